//! The parts of an incoming request the app looks at, and the checks that can
//! be made from the headers alone (before any body byte is read).

use crate::problem::Problem;

/// Largest request body the app accepts (also enforced while reading).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// HTTP methods the app distinguishes; anything else is carried by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
    Other(String),
}

impl Method {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Other(name) => name,
        }
    }
}

/// Method, path, query and the headers that matter, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub content_type: Option<String>,
    pub content_length: Option<String>,
}

impl RequestHead {
    /// Builds a head from a request target such as `/api/items?page=2`.
    pub fn new(method: Method, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, query),
            None => (path_and_query, ""),
        };
        Self {
            method,
            path: if path.is_empty() { "/" } else { path }.to_owned(),
            query: query.to_owned(),
            content_type: None,
            content_length: None,
        }
    }
}

/// Requires `application/json` (optionally with `charset=utf-8`).
pub fn require_json(content_type: Option<&str>) -> Result<(), Problem> {
    let Some(raw) = content_type else {
        return Err(Problem::unsupported_media_type(
            "a JSON body needs content-type: application/json",
        ));
    };
    let mut parts = raw.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(Problem::unsupported_media_type(format!(
            "content-type {essence:?} is not supported; use application/json"
        )));
    }
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        let value = value.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !value.eq_ignore_ascii_case("utf-8") {
            return Err(Problem::unsupported_media_type(format!(
                "charset {value:?} is not supported; use utf-8"
            )));
        }
    }
    Ok(())
}

/// Rejects a declared length over the cap before reading; a malformed
/// `content-length` is a client error.
pub fn check_declared_length(content_length: Option<&str>, limit: usize) -> Result<(), Problem> {
    let Some(raw) = content_length else {
        return Ok(());
    };
    let digits = raw.trim();
    match digits.parse::<u64>() {
        Ok(length) if length > limit as u64 => Err(Problem::body_too_large(limit)),
        Ok(_) => Ok(()),
        // All digits but too big for u64: certainly over the cap.
        Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Err(Problem::body_too_large(limit))
        }
        Err(_) => Err(Problem::invalid_parameter(
            "content-length",
            format!("content-length {raw:?} is not a number"),
        )),
    }
}

/// Appends a chunk to a body buffer, refusing to grow past `limit`.
pub fn append_bounded(body: &mut Vec<u8>, chunk: &[u8], limit: usize) -> Result<(), Problem> {
    if body.len().saturating_add(chunk.len()) > limit {
        return Err(Problem::body_too_large(limit));
    }
    body.extend_from_slice(chunk);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_splits_path_and_query() {
        let head = RequestHead::new(Method::Get, "/api/items?q=a&page=2");
        assert_eq!(head.path, "/api/items");
        assert_eq!(head.query, "q=a&page=2");
        assert_eq!(RequestHead::new(Method::Get, "").path, "/");
        assert_eq!(RequestHead::new(Method::Get, "/x?").query, "");
    }

    #[test]
    fn content_type_cases() {
        let cases: &[(Option<&str>, bool)] = &[
            (Some("application/json"), true),
            (Some("Application/JSON; charset=UTF-8"), true),
            (Some("application/json;charset=\"utf-8\""), true),
            (Some("application/json; charset=latin1"), false),
            (Some("text/plain"), false),
            (Some("application/x-www-form-urlencoded"), false),
            (Some(""), false),
            (None, false),
        ];
        for (value, ok) in cases {
            let result = require_json(*value);
            assert_eq!(result.is_ok(), *ok, "{value:?}");
            if let Err(problem) = result {
                assert_eq!(problem.status(), 415);
            }
        }
    }

    #[test]
    fn declared_length_cases() {
        let cases: &[(Option<&str>, Option<u16>)] = &[
            (None, None),
            (Some("0"), None),
            (Some("65536"), None),
            (Some("65537"), Some(413)),
            (Some("99999999999999999999999"), Some(413)),
            (Some("-1"), Some(400)),
            (Some("abc"), Some(400)),
        ];
        for (value, status) in cases {
            let got = check_declared_length(*value, MAX_BODY_BYTES)
                .err()
                .map(|p| p.status());
            assert_eq!(got, *status, "{value:?}");
        }
    }

    #[test]
    fn bounded_append_stops_at_limit() {
        let mut body = Vec::new();
        assert!(append_bounded(&mut body, &[0; 6], 10).is_ok());
        assert!(append_bounded(&mut body, &[0; 4], 10).is_ok());
        let err = append_bounded(&mut body, &[0; 1], 10).expect_err("over the limit");
        assert_eq!(err.status(), 413);
        assert_eq!(body.len(), 10);
    }
}
