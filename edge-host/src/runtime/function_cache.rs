//! Cranelift's incremental compilation cache, kept as one file per compiled function.
//!
//! A one-line change to the app leaves almost every function of the component as it was, so
//! `precompile` after an edit recompiles only the functions whose code changed. Entries live in
//! `functions/` beside the compiled components; the least recently used are pruned so the folder
//! holds about two components' worth.

use std::borrow::Cow;
use std::fs::{File, FileTimes};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use wasmtime::CacheStore;

use super::cache::sha256_hex;

/// Functions a component is allowed to leave behind, as a multiple of the functions it has.
const KEEP_COMPONENTS: usize = 2;

#[derive(Debug)]
pub struct FunctionCache {
    dir: PathBuf,
    lookups: AtomicUsize,
    hits: AtomicUsize,
}

/// What one compile took from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reuse {
    pub reused: usize,
    pub functions: usize,
}

impl FunctionCache {
    pub fn new(component_cache_dir: &Path) -> FunctionCache {
        FunctionCache {
            dir: component_cache_dir.join("functions"),
            lookups: AtomicUsize::new(0),
            hits: AtomicUsize::new(0),
        }
    }

    /// Functions looked up, and found, since the last call.
    pub fn take_reuse(&self) -> Reuse {
        Reuse {
            reused: self.hits.swap(0, Ordering::Relaxed),
            functions: self.lookups.swap(0, Ordering::Relaxed),
        }
    }

    /// Keys are Cranelift's hashes of a function and the compiler settings; hashing them again
    /// gives a file name of fixed length whatever their size.
    fn entry(&self, key: &[u8]) -> PathBuf {
        self.dir.join(sha256_hex(key))
    }

    /// Removes the least recently used entries beyond `KEEP_COMPONENTS` times `functions`.
    pub fn prune(&self, functions: usize) -> std::io::Result<usize> {
        let mut entries: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
                Some((modified, entry.path()))
            })
            .collect();
        let keep = functions.saturating_mul(KEEP_COMPONENTS);
        if entries.len() <= keep {
            return Ok(0);
        }
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.0));
        let mut removed = 0;
        for (_, path) in entries.into_iter().skip(keep) {
            if std::fs::remove_file(path).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

impl CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let path = self.entry(key);
        let bytes = std::fs::read(&path).ok()?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        // The modification time is the recency that pruning goes by.
        if let Ok(file) = File::options().write(true).open(&path) {
            let _ = file.set_times(FileTimes::new().set_modified(SystemTime::now()));
        }
        Some(Cow::Owned(bytes))
    }

    /// Written to a temporary name and renamed, so a parallel compile never reads half an entry.
    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let path = self.entry(key);
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        let tmp = self.dir.join(format!(".tmp-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(&tmp, value))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inserted_entry_is_found_and_counted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = FunctionCache::new(dir.path());
        assert!(cache.get(b"f").is_none());
        assert!(cache.insert(b"f", vec![1, 2, 3]));
        assert_eq!(cache.get(b"f").as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(
            cache.take_reuse(),
            Reuse {
                reused: 1,
                functions: 2
            }
        );
        assert_eq!(cache.take_reuse().functions, 0);
    }

    #[test]
    fn pruning_keeps_the_most_recently_used() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = FunctionCache::new(dir.path());
        for key in [b"a", b"b", b"c"] {
            assert!(cache.insert(key, key.to_vec()));
        }
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for key in [b"a", b"b"] {
            let file = File::options()
                .write(true)
                .open(cache.entry(key))
                .expect("entry exists");
            file.set_times(FileTimes::new().set_modified(old))
                .expect("set mtime");
        }
        // A hit makes "a" recent again.
        assert!(cache.get(b"a").is_some());
        assert_eq!(cache.prune(1).expect("prune"), 1);
        assert!(cache.get(b"a").is_some() && cache.get(b"c").is_some());
        assert!(cache.get(b"b").is_none());
    }
}
