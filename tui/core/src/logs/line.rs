//! One line of container output.

use super::level::Level;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Compose service name (shared between lines of one container).
    pub service: Arc<str>,
    /// Container name, to tell replicas apart.
    pub container: Arc<str>,
    /// RFC 3339 timestamp from the engine, when it sent one.
    pub timestamp: Option<String>,
    pub text: String,
    pub stream: Stream,
    pub level: Option<Level>,
}

impl LogLine {
    /// Builds a line from the engine's `timestamps=true` format: `<RFC3339> <text>`.
    pub fn from_engine(service: Arc<str>, container: Arc<str>, raw: &str, stream: Stream) -> Self {
        let raw = raw.trim_end_matches(['\n', '\r']);
        let (timestamp, text) = match raw.split_once(' ') {
            Some((stamp, rest)) if looks_like_timestamp(stamp) => (Some(stamp.to_string()), rest),
            _ => (None, raw),
        };
        let level = Level::detect(text);
        Self {
            service,
            container,
            timestamp,
            text: text.to_string(),
            stream,
            level,
        }
    }

    /// The timestamp shortened to `HH:MM:SS.mmm` for display.
    pub fn short_time(&self) -> &str {
        self.timestamp
            .as_deref()
            .and_then(|stamp| stamp.get(11..23))
            .unwrap_or("")
    }
}

fn looks_like_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 20 && bytes[4] == b'-' && bytes[7] == b'-' && bytes[10] == b'T'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_engine_timestamp_from_text() {
        let line = LogLine::from_engine(
            "app".into(),
            "stack-local-app-1".into(),
            "2024-05-01T10:20:30.123456789Z hello world\n",
            Stream::Stdout,
        );
        assert_eq!(
            line.timestamp.as_deref(),
            Some("2024-05-01T10:20:30.123456789Z")
        );
        assert_eq!(line.text, "hello world");
        assert_eq!(line.short_time(), "10:20:30.123");
    }

    #[test]
    fn keeps_text_without_timestamp() {
        let line = LogLine::from_engine("a".into(), "a".into(), "plain text", Stream::Stderr);
        assert_eq!(line.timestamp, None);
        assert_eq!(line.text, "plain text");
    }
}
