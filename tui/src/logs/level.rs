//! Guessing a log line's severity from common formats (JSON fields, `level=`, bracketed words).

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn from_word(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "trace" => Some(Self::Trace),
            "debug" | "dbg" => Some(Self::Debug),
            "info" | "notice" | "log" => Some(Self::Info),
            "warn" | "warning" => Some(Self::Warn),
            "error" | "err" | "fatal" | "panic" | "crit" | "critical" | "emerg" | "alert" => {
                Some(Self::Error)
            }
            _ => None,
        }
    }

    /// Only the start of a line is examined, so a long payload costs nothing extra.
    pub fn detect(text: &str) -> Option<Self> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) {
                for key in ["level", "lvl", "severity", "log.level"] {
                    if let Some(Value::String(word)) = map.get(key) {
                        return Self::from_word(word);
                    }
                }
            }
            return None;
        }
        let head: String = trimmed.chars().take(96).collect();
        head.split(|c: char| !c.is_ascii_alphanumeric() && c != '=')
            .filter(|token| !token.is_empty())
            .find_map(|token| {
                let word = token.rsplit('=').next().unwrap_or(token);
                let looks_like_level = token.starts_with("level=")
                    || word.chars().all(|c| c.is_ascii_uppercase())
                    || head.contains(&format!("[{word}]"));
                if looks_like_level {
                    Self::from_word(word)
                } else {
                    None
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_levels_in_common_formats() {
        let cases = [
            (r#"{"level":"error","msg":"boom"}"#, Some(Level::Error)),
            (r#"{"severity":"WARNING"}"#, Some(Level::Warn)),
            (
                "2024/05/01 10:00:00 [error] 12#12: upstream timed out",
                Some(Level::Error),
            ),
            ("level=debug msg=hi", Some(Level::Debug)),
            ("INFO server started", Some(Level::Info)),
            ("1:M 01 May 10:00:00 * Ready to accept connections", None),
            ("an error occurred in lowercase prose", None),
            (r#"{"msg":"no level"}"#, None),
        ];
        for (text, expected) in cases {
            assert_eq!(Level::detect(text), expected, "line: {text}");
        }
    }
}
