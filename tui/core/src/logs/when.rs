//! A point in time as people type it on the command line (`logs --since`/`--until`).

use chrono::{DateTime, Utc};

/// `90s`, `1h30m`, `2d` (that long before `now`), a unix time in seconds, or an RFC 3339 time.
pub fn parse_when(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(unix) = text.parse::<i64>() {
        return DateTime::from_timestamp(unix, 0)
            .ok_or_else(|| format!("{text:?} is out of range as a unix time"));
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let ago = humantime::parse_duration(text).map_err(|err| {
        format!("{text:?}: {err}; expected a duration (90s, 10m, 1h30m, 2d), a unix time or an RFC 3339 time")
    })?;
    chrono::Duration::from_std(ago)
        .ok()
        .and_then(|ago| now.checked_sub_signed(ago))
        .ok_or_else(|| format!("{text:?} reaches too far back"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_unix_and_rfc3339_times() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let base = now.timestamp();
        let cases = [
            ("90s", base - 90),
            ("10m", base - 600),
            ("1h30m", base - 5400),
            ("2h", base - 7200),
            ("1d", base - 86_400),
            ("1714560000", 1_714_560_000),
            ("2024-05-01T11:00:00Z", base - 3600),
            ("2024-05-01T13:00:00+02:00", base - 3600),
        ];
        for (text, expected) in cases {
            assert_eq!(
                parse_when(text, now).map(|t| t.timestamp()),
                Ok(expected),
                "{text}"
            );
        }
        let error = parse_when("5x", now).expect_err("unknown unit");
        assert!(
            error.contains("\"5x\"") && error.contains("RFC 3339"),
            "{error}"
        );
        assert!(parse_when("soon", now).is_err());
        assert!(parse_when("", now).is_err());
        assert!(parse_when("9999999999999999", now).is_err());
        assert!(parse_when("100000000000y", now).is_err());
    }
}
