//! In-memory stand-ins for the dependency traits, for unit tests only.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use crate::deps::{Cache, Clock, DepError, Dependency, ItemStore, KeyValue};
use crate::item::{Item, ItemInput};

/// Redis stand-in; `down` makes every call fail as unavailable.
#[derive(Default)]
pub struct FakeCache {
    pub entries: HashMap<String, Vec<u8>>,
    pub ttls: HashMap<String, u64>,
    pub down: bool,
}

impl FakeCache {
    fn up(&self) -> Result<(), DepError> {
        if self.down {
            Err(DepError::unavailable(
                Dependency::Redis,
                "connection refused",
            ))
        } else {
            Ok(())
        }
    }
}

impl Cache for FakeCache {
    fn ping(&mut self) -> Result<(), DepError> {
        self.up()
    }

    fn incr(&mut self, key: &str) -> Result<i64, DepError> {
        self.up()?;
        let current = self
            .entries
            .get(key)
            .and_then(|v| String::from_utf8(v.clone()).ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        let next = current + 1;
        self.entries
            .insert(key.to_owned(), next.to_string().into_bytes());
        Ok(next)
    }

    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, DepError> {
        self.up()?;
        Ok(self.entries.get(key).cloned())
    }

    fn set_with_ttl(&mut self, key: &str, value: &[u8], ttl: u64) -> Result<(), DepError> {
        self.up()?;
        self.entries.insert(key.to_owned(), value.to_vec());
        self.ttls.insert(key.to_owned(), ttl);
        Ok(())
    }

    fn set_new_with_ttl(&mut self, key: &str, value: &[u8], ttl: u64) -> Result<bool, DepError> {
        self.up()?;
        if self.entries.contains_key(key) {
            return Ok(false);
        }
        self.set_with_ttl(key, value, ttl).map(|()| true)
    }

    fn delete(&mut self, key: &str) -> Result<(), DepError> {
        self.up()?;
        self.entries.remove(key);
        self.ttls.remove(key);
        Ok(())
    }
}

/// Postgres stand-in; understands the `%term%` patterns the app builds.
#[derive(Default)]
pub struct FakeItems {
    pub rows: BTreeMap<i64, Item>,
    pub next_id: i64,
    pub reads_by_id: usize,
    pub down: bool,
}

impl FakeItems {
    fn up(&self) -> Result<(), DepError> {
        if self.down {
            Err(DepError::unavailable(
                Dependency::Postgres,
                "connection refused",
            ))
        } else {
            Ok(())
        }
    }

    fn matching(&self, pattern: Option<&str>) -> Vec<Item> {
        // The app's patterns are `%<escaped term>%`: drop exactly one `%` each side.
        let needle = pattern.map(|p| {
            let inner = p
                .strip_prefix('%')
                .and_then(|p| p.strip_suffix('%'))
                .unwrap_or(p);
            unescape(inner).to_lowercase()
        });
        self.rows
            .values()
            .filter(|item| {
                needle
                    .as_ref()
                    .is_none_or(|n| item.name.to_lowercase().contains(n))
            })
            .cloned()
            .collect()
    }

    fn row(&mut self, id: i64, input: &ItemInput) -> Item {
        Item {
            id,
            name: input.name.clone(),
            description: input.description.clone(),
            created_at: "2025-01-01T00:00:00.000000Z".to_owned(),
            updated_at: format!("2025-01-01T00:00:{:02}.000000Z", self.next_id % 60),
        }
    }
}

fn unescape(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or('\\')
        } else {
            c
        });
    }
    out
}

impl ItemStore for FakeItems {
    fn ping(&mut self) -> Result<(), DepError> {
        self.up()
    }

    fn count(&mut self, pattern: Option<&str>) -> Result<i64, DepError> {
        self.up()?;
        Ok(self.matching(pattern).len() as i64)
    }

    fn list(
        &mut self,
        pattern: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Item>, DepError> {
        self.up()?;
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(0);
        Ok(self
            .matching(pattern)
            .into_iter()
            .skip(skip)
            .take(take)
            .collect())
    }

    fn get(&mut self, id: i64) -> Result<Option<Item>, DepError> {
        self.up()?;
        self.reads_by_id += 1;
        Ok(self.rows.get(&id).cloned())
    }

    fn insert(&mut self, input: &ItemInput) -> Result<Item, DepError> {
        self.up()?;
        self.next_id += 1;
        let item = self.row(self.next_id, input);
        self.rows.insert(item.id, item.clone());
        Ok(item)
    }

    fn update(&mut self, id: i64, input: &ItemInput) -> Result<Option<Item>, DepError> {
        self.up()?;
        if !self.rows.contains_key(&id) {
            return Ok(None);
        }
        self.next_id += 1;
        let item = self.row(id, input);
        self.rows.insert(id, item.clone());
        Ok(Some(item))
    }

    fn delete(&mut self, id: i64) -> Result<bool, DepError> {
        self.up()?;
        Ok(self.rows.remove(&id).is_some())
    }
}

/// Key-value stand-in.
#[derive(Default)]
pub struct FakeKv {
    pub entries: HashMap<String, Vec<u8>>,
}

impl KeyValue for FakeKv {
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, DepError> {
        Ok(self.entries.get(key).cloned())
    }

    fn set(&mut self, key: &str, value: &[u8]) -> Result<(), DepError> {
        self.entries.insert(key.to_owned(), value.to_vec());
        Ok(())
    }
}

/// A clock that stands still (wall) and ticks 250 µs per read (monotonic).
pub struct FakeClock {
    pub now: Cell<i64>,
    pub ticks: Cell<u64>,
}

impl FakeClock {
    pub fn at(now: i64) -> Self {
        Self {
            now: Cell::new(now),
            ticks: Cell::new(0),
        }
    }
}

impl Clock for FakeClock {
    fn unix_seconds(&self) -> i64 {
        self.now.get()
    }

    fn monotonic_nanos(&self) -> u64 {
        let next = self.ticks.get() + 250_000;
        self.ticks.set(next);
        next
    }
}
