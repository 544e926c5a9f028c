//! What decides whether a log line is shown: a regex (or its inverse, `!regex`), a minimum level
//! and a time window; and the match ranges to highlight.

use super::level::Level;
use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};
use std::ops::Range;

/// A compiled filter; invalid patterns are rejected with the regex crate's explanation. A
/// pattern starting with `!` keeps the lines that do *not* match the rest.
#[derive(Debug, Clone)]
pub struct LogFilter {
    pattern: String,
    regex: Regex,
    inverse: bool,
}

impl LogFilter {
    pub fn new(pattern: &str) -> Result<Self, String> {
        let (inverse, regex_text) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        // Bounded compile size so a pasted monster pattern can't eat memory.
        let regex = RegexBuilder::new(regex_text)
            .size_limit(1 << 20)
            .build()
            .map_err(|err| format!("invalid regex {pattern:?}: {err}"))?;
        Ok(Self {
            pattern: pattern.to_string(),
            regex,
            inverse,
        })
    }

    /// The text as typed, `!` included.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn is_inverse(&self) -> bool {
        self.inverse
    }

    /// Whether the filter keeps `text`: it matches, or for an inverse filter it does not.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text) != self.inverse
    }

    pub fn regex(&self) -> &Regex {
        &self.regex
    }
}

/// Byte ranges of every non-empty match, for highlighting; an inverse filter highlights nothing
/// (the lines it keeps have no match).
pub fn match_ranges(filter: Option<&LogFilter>, text: &str) -> Vec<Range<usize>> {
    filter
        .filter(|filter| !filter.inverse)
        .map(|filter| {
            filter
                .regex
                .find_iter(text)
                .filter(|found| !found.is_empty())
                .map(|found| found.range())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a line of `level` passes a minimum level. A line without a recognisable level (an
/// nginx access line, Redis' own format) counts as info: hidden from `warn` up, kept below.
pub fn level_passes(min: Option<Level>, level: Option<Level>) -> bool {
    min.is_none_or(|min| level.unwrap_or(Level::Info) >= min)
}

/// The next minimum level in the cycle all → debug → info → warn → error → all.
pub fn next_min_level(min: Option<Level>) -> Option<Level> {
    match min {
        None => Some(Level::Debug),
        Some(Level::Trace | Level::Debug) => Some(Level::Info),
        Some(Level::Info) => Some(Level::Warn),
        Some(Level::Warn) => Some(Level::Error),
        Some(Level::Error) => None,
    }
}

/// Lines from an engine time on (`:since 5m`): compared by their RFC 3339 text to the second, so
/// no line's timestamp is parsed while filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeWindow {
    from: DateTime<Utc>,
    /// `from` as the engine writes it, to the second: `2024-05-01T10:20:30`.
    key: String,
}

impl TimeWindow {
    pub fn from(from: DateTime<Utc>) -> Self {
        Self {
            from,
            key: from.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }

    /// `5m`, `1h30m`, `90s` before `now`, a unix time or an RFC 3339 time, as `logs --since`
    /// takes them.
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<Self, String> {
        super::when::parse_when(text, now)
            .map(Self::from)
            .map_err(|err| format!("since {err}"))
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.from
    }

    /// A line without a timestamp cannot be placed in time and is kept.
    pub fn contains(&self, timestamp: Option<&str>) -> bool {
        timestamp
            .and_then(|stamp| stamp.get(..self.key.len()))
            .is_none_or(|second| second >= self.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_matches_and_rejects_bad_patterns() {
        let filter = LogFilter::new("GET /api/[a-z]+").expect("valid pattern");
        assert!(filter.is_match("10.0.0.1 GET /api/items 200"));
        assert!(!filter.is_match("POST /api/items"));
        assert_eq!(
            match_ranges(Some(&filter), "x GET /api/items GET /api/mood"),
            vec![2..16, 17..30]
        );
        assert!(match_ranges(None, "anything").is_empty());
        let error = LogFilter::new("(unclosed").expect_err("invalid pattern");
        assert!(error.contains("(unclosed"), "{error}");
    }

    #[test]
    fn a_leading_bang_keeps_the_lines_that_do_not_match() {
        let filter = LogFilter::new("!health").expect("valid pattern");
        assert!(filter.is_inverse());
        assert_eq!(filter.pattern(), "!health");
        assert!(!filter.is_match("GET /health 200"));
        assert!(filter.is_match("GET /api/items 200"));
        assert!(match_ranges(Some(&filter), "GET /api/items").is_empty());
        let error = LogFilter::new("!(").expect_err("invalid pattern");
        assert!(error.contains("\"!(\""), "{error}");
    }

    #[test]
    fn a_minimum_level_counts_unlevelled_lines_as_info() {
        let cases = [
            (None, None, true),
            (Some(Level::Warn), Some(Level::Error), true),
            (Some(Level::Warn), Some(Level::Warn), true),
            (Some(Level::Warn), Some(Level::Info), false),
            (Some(Level::Warn), None, false),
            (Some(Level::Info), None, true),
            (Some(Level::Info), Some(Level::Debug), false),
            (Some(Level::Debug), Some(Level::Trace), false),
        ];
        for (min, level, expected) in cases {
            assert_eq!(level_passes(min, level), expected, "{min:?} {level:?}");
        }
        let mut seen = vec![None];
        let mut min = None;
        for _ in 0..5 {
            min = next_min_level(min);
            seen.push(min);
        }
        assert_eq!(
            seen,
            [
                None,
                Some(Level::Debug),
                Some(Level::Info),
                Some(Level::Warn),
                Some(Level::Error),
                None
            ]
        );
    }

    #[test]
    fn a_time_window_takes_durations_and_rfc3339_and_keeps_untimed_lines() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("valid time")
            .with_timezone(&Utc);
        let window = TimeWindow::parse("5m", now).expect("a duration");
        assert_eq!(window.start().to_rfc3339(), "2024-05-01T11:55:00+00:00");
        assert!(window.contains(Some("2024-05-01T11:55:00.000000001Z")));
        assert!(window.contains(Some("2024-05-01T11:59:59.5Z")));
        assert!(!window.contains(Some("2024-05-01T11:54:59.999999999Z")));
        assert!(window.contains(None));
        let window = TimeWindow::parse("1h30m", now).expect("a compound duration");
        assert_eq!(window.start().to_rfc3339(), "2024-05-01T10:30:00+00:00");
        let window = TimeWindow::parse("2024-05-01T13:00:00+02:00", now).expect("RFC 3339");
        assert_eq!(window.start().to_rfc3339(), "2024-05-01T11:00:00+00:00");
        let error = TimeWindow::parse("yesterday", now).expect_err("not a duration");
        assert!(error.contains("expected a duration"), "{error}");
    }
}
