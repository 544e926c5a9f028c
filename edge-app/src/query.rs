//! Query-string decoding and the items list parameters.

use crate::pagination::{DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE};
use crate::problem::Problem;

/// Longest search term accepted in `q` (characters).
pub const MAX_SEARCH_CHARS: usize = 200;

/// `GET /api/items` parameters after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub page: u32,
    pub per_page: u32,
    /// Search term, `None` when absent or empty.
    pub search: Option<String>,
}

impl ListQuery {
    /// Parses `page`, `per_page` and `q`; unknown parameters are ignored, the
    /// first occurrence of a repeated one wins. `per_page` above the cap is capped.
    pub fn parse(query: &str) -> Result<Self, Problem> {
        let pairs = decode_pairs(query)?;
        let first = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let page = match first("page") {
            None => 1,
            Some(raw) => parse_number("page", raw, 1, MAX_PAGE)?,
        };
        let per_page = match first("per_page") {
            None => DEFAULT_PER_PAGE,
            Some(raw) => parse_number("per_page", raw, 1, u32::MAX)?.min(MAX_PER_PAGE),
        };
        let search = match first("q") {
            None | Some("") => None,
            Some(term) => Some(validate_search(term)?),
        };
        Ok(Self {
            page,
            per_page,
            search,
        })
    }
}

fn parse_number(name: &str, raw: &str, min: u32, max: u32) -> Result<u32, Problem> {
    let invalid = || {
        Problem::invalid_parameter(
            name,
            format!("{name} must be an integer from {min} to {max}, got {raw:?}"),
        )
    };
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match raw.parse::<u32>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        // A huge per_page is still "more than the cap"; a huge page is out of range.
        Err(_) if max == u32::MAX => Ok(u32::MAX),
        _ => Err(invalid()),
    }
}

fn validate_search(term: &str) -> Result<String, Problem> {
    if term.chars().count() > MAX_SEARCH_CHARS {
        return Err(Problem::invalid_parameter(
            "q",
            format!("q must be at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    if term.chars().any(char::is_control) {
        return Err(Problem::invalid_parameter(
            "q",
            "q must not contain control characters",
        ));
    }
    Ok(term.to_owned())
}

/// Splits `a=1&b=x%20y` into decoded pairs (`+` means space, as in forms).
pub fn decode_pairs(query: &str) -> Result<Vec<(String, String)>, Problem> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key).ok_or_else(|| bad_encoding(key))?;
            let value = percent_decode(value).ok_or_else(|| bad_encoding(&key))?;
            Ok((key, value))
        })
        .collect()
}

fn bad_encoding(name: &str) -> Problem {
    Problem::invalid_parameter(
        name,
        format!("query parameter {name:?} is not valid percent-encoded UTF-8"),
    )
}

/// Decodes `%XX` escapes and `+`; `None` for a broken escape or invalid UTF-8.
pub fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_cases() {
        let cases: &[(&str, Option<&str>)] = &[
            ("plain", Some("plain")),
            ("a+b", Some("a b")),
            ("100%25", Some("100%")),
            ("%27%3B%20DROP", Some("'; DROP")),
            ("caf%C3%A9", Some("café")),
            ("%", None),
            ("%4", None),
            ("%zz", None),
            ("%FF", None),
        ];
        for (input, expected) in cases {
            assert_eq!(percent_decode(input).as_deref(), *expected, "{input}");
        }
    }

    #[test]
    fn list_query_accepts_valid_input() {
        let cases: &[(&str, u32, u32, Option<&str>)] = &[
            ("", 1, DEFAULT_PER_PAGE, None),
            ("page=3&per_page=10", 3, 10, None),
            ("per_page=100", 1, 100, None),
            ("per_page=101", 1, MAX_PER_PAGE, None),
            ("per_page=99999999999", 1, MAX_PER_PAGE, None),
            ("q=", 1, DEFAULT_PER_PAGE, None),
            ("q=Tea+Pot&x=1", 1, DEFAULT_PER_PAGE, Some("Tea Pot")),
            ("q=50%25&q=second", 1, DEFAULT_PER_PAGE, Some("50%")),
        ];
        for (query, page, per_page, search) in cases {
            let parsed = ListQuery::parse(query).expect("valid query");
            assert_eq!(parsed.page, *page, "{query}");
            assert_eq!(parsed.per_page, *per_page, "{query}");
            assert_eq!(parsed.search.as_deref(), *search, "{query}");
        }
    }

    #[test]
    fn list_query_rejects_bad_input_with_400_naming_the_field() {
        let long = format!("q={}", "a".repeat(MAX_SEARCH_CHARS + 1));
        let cases: &[(&str, &str)] = &[
            ("page=0", "page"),
            ("page=-1", "page"),
            ("page=abc", "page"),
            ("page=", "page"),
            ("page=1.5", "page"),
            ("page=99999999999", "page"),
            ("per_page=0", "per_page"),
            ("per_page=ten", "per_page"),
            ("q=%zz", "q"),
            ("q=a%00b", "q"),
            (&long, "q"),
        ];
        for (query, field) in cases {
            let problem = ListQuery::parse(query).expect_err("invalid query");
            assert_eq!(problem.status(), 400, "{query}");
            assert_eq!(problem.field.as_deref(), Some(*field), "{query}");
        }
    }
}
