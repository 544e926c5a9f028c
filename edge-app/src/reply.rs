//! The response the app produces, independent of any HTTP library.

use serde::Serialize;

/// Media type of every successful JSON body.
pub const JSON: &str = "application/json";
/// Media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A finished HTTP response: status, headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A response without a body (e.g. 204).
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON response. Serialising our own plain structs cannot fail; if it
    /// ever did, the client gets a 500 problem instead of a panic.
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::with_body(status, JSON, body),
            Err(err) => crate::problem::Problem::internal(format!("cannot encode response: {err}"))
                .into_reply(),
        }
    }

    /// A response with the given media type and body.
    pub fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self::empty(status)
            .header("content-type", content_type)
            .body_bytes(body)
    }

    /// Adds (appends) a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn body_bytes(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// First value of a header, matched case-insensitively.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (test and diagnostics helper).
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
