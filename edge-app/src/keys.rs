//! Redis and key-value key names, in one place so they stay consistent.

use crate::calendar::Date;

/// Redis counter behind `GET /`.
pub const VISITS: &str = "visits";

/// Key-value ("default" store) key holding the last mood served or chosen.
pub const LAST_MOOD: &str = "mood:last";

/// Redis read-through cache entry for one item.
pub fn item(id: i64) -> String {
    format!("item:{id}")
}

/// Redis entry holding the mood of a day.
pub fn mood(date: Date) -> String {
    format!("mood:{date}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        assert_eq!(item(42), "item:42");
        assert_eq!(mood(Date::from_unix_seconds(0)), "mood:1970-01-01");
        assert_eq!(
            mood(Date::from_unix_seconds(1_767_225_599)),
            "mood:2025-12-31"
        );
    }
}
