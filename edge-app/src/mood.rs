//! The mood of the day: the moods, how one is chosen and its stored form.

use serde::{Deserialize, Serialize};

/// Moods to choose from, each with a line to go with it.
pub const MOODS: [(&str, &str); 10] = [
    ("curious", "Ask one more question than usual."),
    ("sunny", "Everything compiles on the first try today."),
    ("focused", "One thing at a time, done well."),
    ("playful", "Try the weird idea; keep it if it works."),
    ("calm", "Slow is smooth, smooth is fast."),
    ("bold", "Ship the change you have been putting off."),
    ("grateful", "Thank whoever wrote the docs you read today."),
    ("thorough", "Read the error message twice."),
    ("cosy", "Tea, a warm terminal and a short to-do list."),
    ("adventurous", "Open a file you have never opened before."),
];

/// A chosen mood as stored in Redis and in the key-value store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoodRecord {
    pub date: String,
    pub mood: String,
    pub line: String,
}

/// Chooses a mood from a random seed, never the one named in `avoid`
/// (so a refresh always changes it).
pub fn pick(seed: u64, date: &str, avoid: Option<&str>) -> MoodRecord {
    let count = MOODS.len() as u64;
    let mut index = usize::try_from(seed % count).unwrap_or(0);
    if avoid == Some(MOODS[index].0) {
        index = (index + 1) % MOODS.len();
    }
    let (mood, line) = MOODS[index];
    MoodRecord {
        date: date.to_owned(),
        mood: mood.to_owned(),
        line: line.to_owned(),
    }
}

/// Where the mood in a response came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MoodSource {
    /// Found in Redis.
    Cache,
    /// Chosen by this request and stored in Redis.
    New,
    /// Replaced by `POST /api/mood/refresh`.
    Refreshed,
    /// Redis was unavailable; the last mood from the key-value store.
    KeyValue,
}

/// The JSON body of `GET /api/mood` and `POST /api/mood/refresh`.
#[derive(Debug, Clone, Serialize)]
pub struct MoodReply {
    pub date: String,
    pub mood: String,
    pub line: String,
    pub source: MoodSource,
    /// True when the mood is from an earlier day (fallback only).
    pub stale: bool,
    pub expires_at: String,
    pub ttl_seconds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_is_a_function_of_the_seed() {
        for seed in 0..30u64 {
            let record = pick(seed, "2025-01-01", None);
            assert_eq!(record.mood, MOODS[(seed % 10) as usize].0);
            assert_eq!(record.date, "2025-01-01");
        }
    }

    #[test]
    fn pick_avoids_the_current_mood() {
        for seed in 0..30u64 {
            let current = MOODS[(seed % 10) as usize].0;
            let record = pick(seed, "2025-01-01", Some(current));
            assert_ne!(record.mood, current, "seed {seed}");
        }
    }
}
