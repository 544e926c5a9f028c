//! nginx's JSON access lines (`proxy-config/conf.d/10-logging.conf`): the status, the time
//! nginx took and which upstream answered.

use serde::Deserialize;

/// What one access line says about its request.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub status: u16,
    /// `request_time`: from the first byte read to the last byte sent, in seconds.
    pub seconds: f64,
    /// The upstream that answered last (after retries), as `ip:port`.
    pub upstream: Option<String>,
    /// Its status and response time, when nginx had one.
    pub upstream_status: Option<u16>,
    pub upstream_seconds: Option<f64>,
}

#[derive(Deserialize)]
struct Line {
    status: u16,
    request_time: f64,
    #[serde(default)]
    upstream_addr: Option<String>,
    #[serde(default)]
    upstream_status: Option<String>,
    #[serde(default)]
    upstream_response_time: Option<String>,
}

/// The access line in `text`, if it is one; other lines (errors, startup notes) are `None`.
/// A cheap look first, so that the full parse runs on access lines only.
pub fn parse(text: &str) -> Option<Access> {
    let text = text.trim();
    if !text.starts_with('{') || !text.contains("\"request_time\"") {
        return None;
    }
    let line: Line = serde_json::from_str(text).ok()?;
    Some(Access {
        status: line.status,
        seconds: line.request_time,
        upstream: line
            .upstream_addr
            .as_deref()
            .and_then(last)
            .map(str::to_string),
        upstream_status: line
            .upstream_status
            .as_deref()
            .and_then(last)
            .and_then(|s| s.parse().ok()),
        upstream_seconds: line
            .upstream_response_time
            .as_deref()
            .and_then(last)
            .and_then(|s| s.parse().ok()),
    })
}

/// nginx lists every upstream it tried (`a, b`, and `a : b` across an internal redirect); the
/// last one answered. `-` and empty mean none.
fn last(list: &str) -> Option<&str> {
    let last = list
        .rsplit([',', ' '])
        .find(|part| !part.is_empty() && *part != ":")?;
    (last != "-").then_some(last)
}

/// The address part of `ip:port`.
pub fn host_of(address: &str) -> &str {
    address.rsplit_once(':').map_or(address, |(host, _)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"time":"2024-05-01T12:00:00+00:00","remote_addr":"172.18.0.1","request_id":"abc","method":"GET","uri":"/api/items","protocol":"HTTP/1.1","status":502,"bytes_sent":157,"request_time":0.012,"upstream_addr":"172.18.0.4:3000, 172.18.0.5:3000","upstream_status":"502, 502","upstream_response_time":"0.004, 0.007","host":"127.0.0.1","user_agent":"curl","referer":""}"#;

    #[test]
    fn an_access_line_gives_status_time_and_the_upstream_that_answered() {
        let access = parse(LINE).expect("an access line");
        assert_eq!(access.status, 502);
        assert!((access.seconds - 0.012).abs() < 1e-9);
        assert_eq!(access.upstream.as_deref(), Some("172.18.0.5:3000"));
        assert_eq!(access.upstream_status, Some(502));
        assert_eq!(access.upstream_seconds, Some(0.007));
        assert_eq!(host_of("172.18.0.5:3000"), "172.18.0.5");
    }

    #[test]
    fn requests_nginx_answered_itself_have_no_upstream() {
        let line = r#"{"status":200,"request_time":0.000,"upstream_addr":"","upstream_status":"","upstream_response_time":""}"#;
        let access = parse(line).expect("an access line");
        assert_eq!((access.upstream, access.upstream_status), (None, None));
        let redirect = r#"{"status":404,"request_time":0.1,"upstream_addr":"10.0.0.1:3000 : 10.0.0.2:3000","upstream_status":"404 : -"}"#;
        let access = parse(redirect).expect("an access line");
        assert_eq!(access.upstream.as_deref(), Some("10.0.0.2:3000"));
        assert_eq!(
            access.upstream_status, None,
            "`-`: that upstream sent no status"
        );
    }

    #[test]
    fn other_lines_are_not_access_lines() {
        for text in [
            "2024/05/01 12:00:00 [notice] 1#1: start worker processes",
            "{\"level\":\"info\",\"msg\":\"no request here\"}",
            "{\"request_time\": broken",
            r#"{"status":"OK","request_time":0.1}"#,
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
