//! A key-value store in a SQLite file (`type = "spin"` with `path` in the runtime config), kept
//! across restarts. Several labels may share one file: rows are keyed by store and key.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::Error;

/// How long a statement waits for another process's lock on the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    label: String,
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating when needed) the file and its table, so a bad path fails at startup.
    pub fn open(path: &Path, label: &str) -> Result<SqliteStore, String> {
        let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        let conn = Connection::open(path).map_err(|e| fail(&e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| fail(&e))?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                 store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                 PRIMARY KEY (store, key))",
            [],
        )
        .map_err(|e| fail(&e))?;
        Ok(SqliteStore {
            label: label.to_string(),
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the blocking pool with the connection held.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection, &str) -> rusqlite::Result<R> + Send + 'static,
    ) -> Result<R, Error> {
        let (conn, label) = (Arc::clone(&self.conn), self.label.clone());
        tokio::task::spawn_blocking(move || {
            let conn = conn
                .lock()
                .map_err(|_| Error::Other("key-value store is unavailable".to_string()))?;
            f(&conn, &label).map_err(|e| Error::Other(format!("key-value store (SQLite): {e}")))
        })
        .await
        .map_err(|e| Error::Other(format!("key-value store task failed: {e}")))?
    }

    pub async fn get(&self, key: String) -> Result<Option<Vec<u8>>, Error> {
        self.run(move |conn, store| {
            conn.query_row(
                "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                params![store, key],
                |row| row.get(0),
            )
            .optional()
        })
        .await
    }

    pub async fn set(&self, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.run(move |conn, store| {
            conn.execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                params![store, key, value],
            )
            .map(drop)
        })
        .await
    }

    pub async fn delete(&self, key: String) -> Result<(), Error> {
        self.run(move |conn, store| {
            conn.execute(
                "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                params![store, key],
            )
            .map(drop)
        })
        .await
    }

    pub async fn exists(&self, key: String) -> Result<bool, Error> {
        Ok(self.get(key).await?.is_some())
    }

    pub async fn keys(&self) -> Result<Vec<String>, Error> {
        self.run(|conn, store| {
            let mut statement =
                conn.prepare("SELECT key FROM spin_key_value WHERE store = ?1 ORDER BY key")?;
            let keys = statement
                .query_map(params![store], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(keys)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn data_outlives_the_handle_and_labels_stay_apart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested/kv.db");
        let store = SqliteStore::open(&path, "a").expect("open");
        store.set("k".into(), b"1".to_vec()).await.expect("set");
        store
            .set("k".into(), b"2".to_vec())
            .await
            .expect("overwrite");
        drop(store);

        let again = SqliteStore::open(&path, "a").expect("reopen");
        assert_eq!(
            again.get("k".into()).await.expect("get"),
            Some(b"2".to_vec())
        );
        assert_eq!(again.keys().await.expect("keys"), vec!["k".to_string()]);
        let other = SqliteStore::open(&path, "b").expect("other label");
        assert!(!other.exists("k".into()).await.expect("exists"));
        again.delete("k".into()).await.expect("delete");
        assert_eq!(again.get("k".into()).await.expect("get"), None);
    }

    #[test]
    fn an_unwritable_path_is_an_error_naming_it() {
        let err = SqliteStore::open(Path::new("/proc/no/kv.db"), "a")
            .err()
            .expect("cannot create");
        assert!(err.contains("/proc/no"), "{err}");
    }
}
