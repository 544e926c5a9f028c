//! Regex filtering and match highlighting.

use regex::{Regex, RegexBuilder};
use std::ops::Range;

/// A compiled filter; invalid patterns are rejected with the regex crate's explanation.
#[derive(Debug, Clone)]
pub struct LogFilter {
    pattern: String,
    regex: Regex,
}

impl LogFilter {
    pub fn new(pattern: &str) -> Result<Self, String> {
        // Bounded compile size so a pasted monster pattern can't eat memory.
        let regex = RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|err| format!("invalid regex {pattern:?}: {err}"))?;
        Ok(Self {
            pattern: pattern.to_string(),
            regex,
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    pub fn regex(&self) -> &Regex {
        &self.regex
    }
}

/// Byte ranges of every non-empty match, for highlighting.
pub fn match_ranges(filter: Option<&LogFilter>, text: &str) -> Vec<Range<usize>> {
    filter
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
}
