//! Redis' `INFO persistence`, read while `BGREWRITEAOF` or `BGSAVE` runs: which kind of
//! persistence the server uses, and whether the save it was asked for has finished.

use super::manifest::RedisPersistence;
use std::collections::BTreeMap;

/// `field:value` lines; section headers (`# Persistence`) and blank lines are skipped.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// Keys in every database, from `INFO keyspace` (`db0:keys=3,expires=1,avg_ttl=0`): the app's
/// counters and cache in db 0, the key-value store in db 1.
pub fn keyspace_keys(text: &str) -> u64 {
    parse(text)
        .iter()
        .filter(|(name, _)| name.starts_with("db"))
        .filter_map(|(_, value)| {
            value
                .split(',')
                .find_map(|pair| pair.strip_prefix("keys="))
                .and_then(|keys| keys.trim().parse::<u64>().ok())
        })
        .sum()
}

/// The fields of `INFO persistence` a backup waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persistence {
    pub aof_enabled: bool,
    pub aof_rewrite_in_progress: bool,
    pub aof_rewrite_scheduled: bool,
    /// Rewrites started since the server started (Redis 7 and newer).
    pub aof_rewrites: Option<u64>,
    pub aof_last_bgrewrite_status: String,
    pub rdb_bgsave_in_progress: bool,
    /// Saves started since the server started (Redis 7 and newer).
    pub rdb_saves: Option<u64>,
    /// `LASTSAVE`: the unix time of the last successful save.
    pub rdb_last_save_time: u64,
    pub rdb_last_bgsave_status: String,
}

/// Where a requested save stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Running,
    Done,
    Failed(String),
}

impl Persistence {
    pub fn from_info(text: &str) -> Result<Self, String> {
        let fields = parse(text);
        let text_of = |key: &str| {
            fields
                .get(key)
                .cloned()
                .ok_or_else(|| format!("INFO persistence has no {key}"))
        };
        let number = |key: &str| -> Result<u64, String> {
            text_of(key)?
                .parse()
                .map_err(|_| format!("INFO persistence: {key} is not a number"))
        };
        let flag = |key: &str| number(key).map(|value| value != 0);
        Ok(Self {
            aof_enabled: flag("aof_enabled")?,
            aof_rewrite_in_progress: flag("aof_rewrite_in_progress")?,
            aof_rewrite_scheduled: flag("aof_rewrite_scheduled")?,
            aof_rewrites: number("aof_rewrites").ok(),
            aof_last_bgrewrite_status: text_of("aof_last_bgrewrite_status")?,
            rdb_bgsave_in_progress: flag("rdb_bgsave_in_progress")?,
            rdb_saves: number("rdb_saves").ok(),
            rdb_last_save_time: number("rdb_last_save_time")?,
            rdb_last_bgsave_status: text_of("rdb_last_bgsave_status")?,
        })
    }

    /// What the server loads at start: its AOF when that is on, else its RDB file.
    pub fn kind(&self) -> RedisPersistence {
        if self.aof_enabled {
            RedisPersistence::Aof
        } else {
            RedisPersistence::Rdb
        }
    }

    /// Whether the save of `kind` asked for after `before` was read has finished, by the
    /// counters when the server has them, else by the in-progress flags (and `LASTSAVE` for an
    /// RDB save).
    pub fn progress(&self, before: &Self, kind: RedisPersistence) -> Progress {
        let (busy, started, status) = match kind {
            RedisPersistence::Aof => (
                self.aof_rewrite_in_progress || self.aof_rewrite_scheduled,
                match (before.aof_rewrites, self.aof_rewrites) {
                    (Some(was), Some(now)) => now > was,
                    _ => true,
                },
                &self.aof_last_bgrewrite_status,
            ),
            RedisPersistence::Rdb => (
                self.rdb_bgsave_in_progress,
                match (before.rdb_saves, self.rdb_saves) {
                    (Some(was), Some(now)) => now > was,
                    _ => self.rdb_last_save_time > before.rdb_last_save_time,
                },
                &self.rdb_last_bgsave_status,
            ),
        };
        if busy || !started {
            return Progress::Running;
        }
        if status == "ok" {
            Progress::Done
        } else {
            Progress::Failed(format!(
                "Redis reports the save as {status:?} (its log says why)"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(changes: &[(&str, &str)]) -> Persistence {
        let mut fields = BTreeMap::from(
            [
                ("aof_enabled", "1"),
                ("aof_rewrite_in_progress", "0"),
                ("aof_rewrite_scheduled", "0"),
                ("aof_rewrites", "0"),
                ("aof_last_bgrewrite_status", "ok"),
                ("rdb_bgsave_in_progress", "0"),
                ("rdb_saves", "0"),
                ("rdb_last_save_time", "1764762000"),
                ("rdb_last_bgsave_status", "ok"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        for (key, value) in changes {
            fields.insert(key.to_string(), value.to_string());
        }
        let text: String = std::iter::once("# Persistence\r\n".to_string())
            .chain(fields.iter().map(|(k, v)| format!("{k}:{v}\r\n")))
            .collect();
        Persistence::from_info(&text).expect("parses")
    }

    #[test]
    fn keys_are_counted_in_every_database() {
        let text =
            "# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=0\r\ndb1:keys=2,expires=0,avg_ttl=0\r\n";
        assert_eq!(keyspace_keys(text), 5);
        assert_eq!(keyspace_keys("# Keyspace\r\n"), 0);
    }

    #[test]
    fn info_is_read_with_crlf_and_headers() {
        let parsed = info(&[("aof_enabled", "0")]);
        assert_eq!(parsed.kind(), RedisPersistence::Rdb);
        assert_eq!(parsed.rdb_last_save_time, 1_764_762_000);
        assert_eq!(info(&[]).kind(), RedisPersistence::Aof);
        let missing = Persistence::from_info("aof_enabled:1\n").expect_err("fields missing");
        assert!(missing.contains("aof_rewrite_in_progress"), "{missing}");
    }

    #[test]
    fn a_rewrite_is_done_when_counted_finished_and_ok() {
        let before = info(&[]);
        let aof = RedisPersistence::Aof;
        // Scheduled behind a running BGSAVE, then running, then done.
        let scheduled = info(&[("aof_rewrite_scheduled", "1")]);
        assert_eq!(scheduled.progress(&before, aof), Progress::Running);
        let running = info(&[("aof_rewrite_in_progress", "1"), ("aof_rewrites", "1")]);
        assert_eq!(running.progress(&before, aof), Progress::Running);
        assert_eq!(
            info(&[("aof_rewrites", "1")]).progress(&before, aof),
            Progress::Done
        );
        // Not counted yet: still waiting.
        assert_eq!(info(&[]).progress(&before, aof), Progress::Running);
        let failed = info(&[("aof_rewrites", "1"), ("aof_last_bgrewrite_status", "err")]);
        assert!(
            matches!(failed.progress(&before, aof), Progress::Failed(why) if why.contains("\"err\""))
        );
    }

    #[test]
    fn an_rdb_save_is_done_by_its_counter_or_lastsave() {
        let rdb = RedisPersistence::Rdb;
        let before = info(&[]);
        assert_eq!(
            info(&[("rdb_bgsave_in_progress", "1"), ("rdb_saves", "1")]).progress(&before, rdb),
            Progress::Running
        );
        assert_eq!(
            info(&[("rdb_saves", "1")]).progress(&before, rdb),
            Progress::Done
        );
        // A server without the counters: LASTSAVE must move.
        let old = |changes: &[(&str, &str)]| {
            let mut parsed = info(changes);
            parsed.rdb_saves = None;
            parsed
        };
        let before = old(&[]);
        assert_eq!(old(&[]).progress(&before, rdb), Progress::Running);
        let saved = old(&[("rdb_last_save_time", "1764762001")]);
        assert_eq!(saved.progress(&before, rdb), Progress::Done);
    }
}
