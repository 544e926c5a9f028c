//! One request across services: the id an access line carries, and the lines and timings that
//! share it.
//!
//! nginx writes one JSON access line per request with `request_id` (its `$request_id`, sent on to
//! the app as `X-Request-Id`), `request_time` and `upstream_response_time`
//! (proxy-config/conf.d/10-logging.conf). edge-host writes one JSON access line on stdout with the
//! same `request_id` and its own `duration_ms` (edge-host/src/serve/access_log.rs). Any other line
//! that is a JSON object with a `request_id` field joins the request too.

use super::line::LogLine;
use serde::Deserialize;
use std::borrow::Cow;

/// The lines of one request, in engine-timestamp order, and the timings read from them.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestTrace<'a> {
    pub lines: Vec<&'a LogLine>,
    pub timings: RequestTimings,
}

/// What nginx and the app measured for one request. Empty when no access line was found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestTimings {
    /// nginx `request_time`, seconds: first byte read from the client to the last byte sent.
    pub request_time: Option<f64>,
    /// nginx `upstream_response_time`, seconds, one per upstream tried (several when nginx
    /// retried the next replica; none when no upstream was reached).
    pub upstream_response_times: Vec<f64>,
    /// The app's `duration_ms`, one per app access line (a retried request reaches two replicas).
    pub app_duration_ms: Vec<f64>,
}

/// The fields read from an access line; everything else in the object is ignored.
#[derive(Deserialize)]
struct AccessFields<'a> {
    #[serde(borrow)]
    request_id: Option<Cow<'a, str>>,
    request_time: Option<f64>,
    #[serde(borrow)]
    upstream_response_time: Option<Cow<'a, str>>,
    duration_ms: Option<f64>,
}

fn access_fields(line: &LogLine) -> Option<AccessFields<'_>> {
    let text = line.text.trim();
    if !text.starts_with('{') {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// The request id a line carries: the `request_id` field of a JSON line, when not empty or `-`.
pub fn request_id(line: &LogLine) -> Option<String> {
    let id = access_fields(line)?.request_id?;
    (!id.is_empty() && id != "-").then(|| id.into_owned())
}

/// Every line with request id `id`, in engine-timestamp order (stable, so lines without a
/// timestamp keep their place among themselves), and the timings they carry.
pub fn trace<'a>(id: &str, lines: impl IntoIterator<Item = &'a LogLine>) -> RequestTrace<'a> {
    let mut found: Vec<&LogLine> = lines
        .into_iter()
        // Cheap test first: most lines do not mention the id at all.
        .filter(|line| !id.is_empty() && line.text.contains(id))
        .filter(|line| {
            access_fields(line).is_some_and(|fields| fields.request_id.as_deref() == Some(id))
        })
        .collect();
    // The engine's timestamps are fixed-width RFC 3339 (nanoseconds), so text order is time order.
    found.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    let mut timings = RequestTimings::default();
    for fields in found.iter().filter_map(|line| access_fields(line)) {
        if let Some(seconds) = fields.request_time {
            timings.request_time = Some(seconds);
        }
        if let Some(upstream) = fields.upstream_response_time.as_deref() {
            timings.upstream_response_times = parse_upstream_times(upstream);
        }
        if let Some(ms) = fields.duration_ms {
            timings.app_duration_ms.push(ms);
        }
    }
    RequestTrace {
        lines: found,
        timings,
    }
}

/// nginx joins the times of several upstreams with `, ` (and of internal redirects with ` : `);
/// `-` stands for an upstream that gave no answer and is skipped.
fn parse_upstream_times(text: &str) -> Vec<f64> {
    text.split([',', ':'])
        .filter_map(|part| part.trim().parse::<f64>().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Stream;

    const ID: &str = "7f3c2a9e4b1d6f80a2c4e6b8d0f1a3c5";

    fn line(service: &str, stamp: &str, text: &str) -> LogLine {
        LogLine::from_engine(
            service.into(),
            format!("stack-local-{service}-1").into(),
            &format!("{stamp} {text}"),
            Stream::Stdout,
        )
    }

    /// nginx's access line as 10-logging.conf writes it.
    fn nginx(stamp: &str, id: &str, upstream: &str) -> LogLine {
        line(
            "nginx",
            stamp,
            &format!(
                r#"{{"time":"2024-05-01T10:20:30+00:00","remote_addr":"172.18.0.1","request_id":"{id}","method":"GET","uri":"/api/visits","protocol":"HTTP/1.1","status":502,"bytes_sent":157,"request_time":0.012,"upstream_addr":"172.19.0.4:8080, 172.19.0.5:8080","upstream_status":"502, 502","upstream_response_time":"{upstream}","host":"localhost","user_agent":"curl/8.5.0","referer":""}}"#
            ),
        )
    }

    /// edge-host's access line as access_log.rs writes it.
    fn app(stamp: &str, id: &str, duration_ms: f64) -> LogLine {
        line(
            "app",
            stamp,
            &format!(
                r#"{{"ts":"2024-05-01T10:20:30.004Z","method":"GET","path":"/api/visits","route":"/api/visits","component":"edge-app","status":502,"duration_ms":{duration_ms},"client":"172.19.0.3","generation":1,"request_id":"{id}"}}"#
            ),
        )
    }

    #[test]
    fn reads_the_id_of_nginx_and_app_access_lines() {
        let nginx = nginx("2024-05-01T10:20:30.020000000Z", ID, "0.004, 0.006");
        let app = app("2024-05-01T10:20:30.010000000Z", ID, 3.25);
        assert_eq!(request_id(&nginx).as_deref(), Some(ID));
        assert_eq!(request_id(&app).as_deref(), Some(ID));
        let plain = line("app", "2024-05-01T10:20:30Z", "listening on 0.0.0.0:8080");
        assert_eq!(request_id(&plain), None);
        let no_id = line("app", "2024-05-01T10:20:30Z", r#"{"request_id":"-"}"#);
        assert_eq!(request_id(&no_id), None);
        let broken = line("app", "2024-05-01T10:20:30Z", r#"{"request_id":"#);
        assert_eq!(request_id(&broken), None);
    }

    #[test]
    fn traces_one_request_in_time_order_with_its_timings() {
        let other = "00000000000000000000000000000000";
        let lines = [
            nginx("2024-05-01T10:20:30.020000000Z", ID, "0.004, 0.006"),
            app("2024-05-01T10:20:30.010000000Z", ID, 3.25),
            app("2024-05-01T10:20:30.011000000Z", other, 9.0),
            app("2024-05-01T10:20:30.005000000Z", ID, 2.5),
            // Mentions the id in text but is not its access line.
            line(
                "app",
                "2024-05-01T10:20:30.001000000Z",
                &format!("retrying {ID}"),
            ),
        ];
        let trace = trace(ID, &lines);
        let order: Vec<&str> = trace
            .lines
            .iter()
            .filter_map(|l| l.timestamp.as_deref())
            .collect();
        assert_eq!(
            order,
            [
                "2024-05-01T10:20:30.005000000Z",
                "2024-05-01T10:20:30.010000000Z",
                "2024-05-01T10:20:30.020000000Z"
            ]
        );
        assert_eq!(trace.timings.request_time, Some(0.012));
        assert_eq!(trace.timings.upstream_response_times, [0.004, 0.006]);
        assert_eq!(trace.timings.app_duration_ms, [2.5, 3.25]);
    }

    #[test]
    fn unknown_id_gives_nothing() {
        let lines = [nginx("2024-05-01T10:20:30Z", ID, "0.001")];
        let trace = trace("ffff", &lines);
        assert!(trace.lines.is_empty());
        assert_eq!(trace.timings, RequestTimings::default());
        assert!(super::trace("", &lines).lines.is_empty());
    }

    #[test]
    fn upstream_times_skip_unanswered_upstreams() {
        assert_eq!(parse_upstream_times("0.004, 0.006"), [0.004, 0.006]);
        assert_eq!(parse_upstream_times("0.001 : 0.002"), [0.001, 0.002]);
        assert_eq!(parse_upstream_times("-"), Vec::<f64>::new());
        assert_eq!(parse_upstream_times(""), Vec::<f64>::new());
    }
}
