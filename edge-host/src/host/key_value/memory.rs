//! A key-value store in this process's memory, bounded in total size.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Error, MAX_STORE_BYTES};

#[derive(Default)]
struct Entries {
    map: BTreeMap<String, Vec<u8>>,
    bytes: usize,
}

#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<Entries>,
}

impl MemoryStore {
    fn with<R>(&self, f: impl FnOnce(&mut Entries) -> R) -> Result<R, Error> {
        let mut guard = self
            .entries
            .lock()
            .map_err(|_| Error::Other("key-value store is unavailable".to_string()))?;
        Ok(f(&mut guard))
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.with(|e| e.map.get(key).cloned())
    }

    pub fn set(&self, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.with(|e| {
            let old = e.map.get(&key).map_or(0, |v| key.len() + v.len());
            let total = e.bytes - old + key.len() + value.len();
            if total > MAX_STORE_BYTES {
                return Err(Error::Other("key-value store is full".to_string()));
            }
            e.bytes = total;
            e.map.insert(key, value);
            Ok(())
        })?
    }

    pub fn delete(&self, key: &str) -> Result<(), Error> {
        self.with(|e| {
            if let Some(v) = e.map.remove(key) {
                e.bytes -= key.len() + v.len();
            }
        })
    }

    pub fn exists(&self, key: &str) -> Result<bool, Error> {
        self.with(|e| e.map.contains_key(key))
    }

    pub fn keys(&self) -> Result<Vec<String>, Error> {
        self.with(|e| e.map.keys().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_tracked_through_overwrites_and_deletes() {
        let store = MemoryStore::default();
        store.set("k".into(), vec![0; 10]).expect("set");
        store.set("k".into(), vec![0; 4]).expect("overwrite");
        assert_eq!(store.with(|e| e.bytes).expect("lock"), 5);
        store.delete("k").expect("delete");
        assert_eq!(store.with(|e| e.bytes).expect("lock"), 0);
        assert!(!store.exists("k").expect("exists"));
    }

    #[test]
    fn a_full_store_refuses_more() {
        let store = MemoryStore::default();
        let chunk = vec![0; 1024 * 1024];
        for i in 0..63 {
            store.set(format!("k{i}"), chunk.clone()).expect("fits");
        }
        let full = store.set("last".into(), chunk).expect_err("full");
        assert!(matches!(full, Error::Other(m) if m.contains("full")));
    }
}
