//! UTC calendar maths for the mood of the day: dates and time to midnight.

use std::fmt;

const SECONDS_PER_DAY: i64 = 86_400;

/// A proleptic Gregorian date in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i64,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// The UTC date containing the given Unix time.
    pub fn from_unix_seconds(seconds: i64) -> Self {
        Self::from_days(seconds.div_euclid(SECONDS_PER_DAY))
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Self {
            year,
            // Both are in 1..=31 / 1..=12 by construction.
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Seconds from `now` until the next midnight UTC (1..=86400).
pub fn seconds_until_midnight(now_unix: i64) -> u64 {
    let left = SECONDS_PER_DAY - now_unix.rem_euclid(SECONDS_PER_DAY);
    u64::try_from(left).unwrap_or(1)
}

/// The next midnight UTC after `now`, as RFC 3339 (`YYYY-MM-DDT00:00:00Z`).
pub fn next_midnight_rfc3339(now_unix: i64) -> String {
    let next = now_unix.div_euclid(SECONDS_PER_DAY) * SECONDS_PER_DAY + SECONDS_PER_DAY;
    format!("{}T00:00:00Z", Date::from_unix_seconds(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01"),
            (86_399, "1970-01-01"),
            (86_400, "1970-01-02"),
            (-1, "1969-12-31"),
            (951_782_400, "2000-02-29"),
            (1_709_164_800, "2024-02-29"),
            (1_709_251_199, "2024-02-29"),
            (1_709_251_200, "2024-03-01"),
            (1_735_689_600, "2025-01-01"),
            (4_102_444_800, "2100-01-01"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(
                Date::from_unix_seconds(*seconds).to_string(),
                *expected,
                "{seconds}"
            );
        }
    }

    #[test]
    fn time_to_midnight() {
        let cases: &[(i64, u64, &str)] = &[
            (0, 86_400, "1970-01-02T00:00:00Z"),
            (86_399, 1, "1970-01-02T00:00:00Z"),
            (1_735_689_600 - 60, 60, "2025-01-01T00:00:00Z"),
            (1_709_164_800 + 3_600, 82_800, "2024-03-01T00:00:00Z"),
        ];
        for (now, seconds, midnight) in cases {
            assert_eq!(seconds_until_midnight(*now), *seconds, "{now}");
            assert_eq!(next_midnight_rfc3339(*now), *midnight, "{now}");
        }
    }
}
