//! Guessing a log line's severity from common formats (JSON fields, `level=`, bracketed words).

use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    /// The level's name as the title, `:level` and `logs --json` write it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    /// Case-insensitive, without allocating: this runs for every token of every line.
    fn from_word(word: &str) -> Option<Self> {
        const WORDS: [(&str, Level); 16] = [
            ("trace", Level::Trace),
            ("debug", Level::Debug),
            ("dbg", Level::Debug),
            ("info", Level::Info),
            ("notice", Level::Info),
            ("log", Level::Info),
            ("warn", Level::Warn),
            ("warning", Level::Warn),
            ("error", Level::Error),
            ("err", Level::Error),
            ("fatal", Level::Error),
            ("panic", Level::Error),
            ("crit", Level::Error),
            ("critical", Level::Error),
            ("emerg", Level::Error),
            ("alert", Level::Error),
        ];
        if word.len() > 8 {
            return None;
        }
        WORDS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(word))
            .map(|(_, level)| *level)
    }

    /// Only the start of a line is examined, so a long payload costs nothing extra. No
    /// allocation on the common path: this runs for every line ingested.
    pub fn detect(text: &str) -> Option<Self> {
        // A coloured level (`\x1b[31mERROR\x1b[0m`) is read without its escape codes.
        if super::ansi::has_escapes(text) {
            return Self::detect_plain(&super::ansi::plain(text));
        }
        Self::detect_plain(text)
    }

    fn detect_plain(text: &str) -> Option<Self> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            return json_level(trimmed);
        }
        let end = trimmed
            .char_indices()
            .nth(HEAD_CHARS)
            .map_or(trimmed.len(), |(index, _)| index);
        let head = &trimmed[..end];
        head.split(|c: char| !c.is_ascii_alphanumeric() && c != '=')
            .filter(|token| !token.is_empty())
            .find_map(|token| {
                let word = token.rsplit('=').next().unwrap_or(token);
                // Most tokens are not level words at all; only those pay for the format checks.
                let level = Self::from_word(word)?;
                let looks_like_level = token.starts_with("level=")
                    || word.chars().all(|c| c.is_ascii_uppercase())
                    || bracketed(head, word);
                looks_like_level.then_some(level)
            })
    }
}

/// Characters at the start of a plain-text line searched for a level word.
const HEAD_CHARS: usize = 96;

/// True when `[word]` appears in `head`.
fn bracketed(head: &str, word: &str) -> bool {
    head.match_indices(word)
        .any(|(at, _)| head[..at].ends_with('[') && head[at + word.len()..].starts_with(']'))
}

/// The level field of a JSON object line; other fields are skipped without being built.
fn json_level(text: &str) -> Option<Level> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Field<'a> {
        Text(#[serde(borrow)] Cow<'a, str>),
        Other(IgnoredAny),
    }
    #[derive(Deserialize)]
    struct Fields<'a> {
        #[serde(borrow)]
        level: Option<Field<'a>>,
        #[serde(borrow)]
        lvl: Option<Field<'a>>,
        #[serde(borrow)]
        severity: Option<Field<'a>>,
        #[serde(borrow, rename = "log.level")]
        log_level: Option<Field<'a>>,
    }
    let fields: Fields = serde_json::from_str(text).ok()?;
    [fields.level, fields.lvl, fields.severity, fields.log_level]
        .into_iter()
        .flatten()
        .find_map(|field| match field {
            Field::Text(word) => Some(Level::from_word(&word)),
            Field::Other(_) => None,
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_levels_in_common_formats() {
        let long = format!("{} ERROR past the head", "ünïcödé ".repeat(20));
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
            (r#"{"level":3,"severity":"warn"}"#, Some(Level::Warn)),
            (
                r#"{"log.level":"DEBUG","msg":{"nested":[1,2]}}"#,
                Some(Level::Debug),
            ),
            ("[warn] disk almost full", Some(Level::Warn)),
            ("\x1b[31mERROR\x1b[0m request failed", Some(Level::Error)),
            (
                "\x1b[2m2024-05-01T10:00:00Z\x1b[0m \x1b[33m WARN\x1b[0m slow",
                Some(Level::Warn),
            ),
            ("the warn word alone", None),
            (long.as_str(), None),
        ];
        for (text, expected) in cases {
            assert_eq!(Level::detect(text), expected, "line: {text}");
        }
    }
}
