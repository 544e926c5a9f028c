//! `fermyon:spin/sqlite@2.0.0` and `spin:sqlite/sqlite@3.0.0` on rusqlite.
//!
//! Each configured database has one SQLite connection, opened on first use and shared by all
//! requests behind a mutex; statements run on tokio's blocking pool and are interrupted when
//! their request goes away (timeout). A component may open only the labels its manifest lists
//! in `sqlite_databases`.

mod exec;
mod wit;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::types::Value;
use wasmtime::component::Resource;

use super::HostState;
pub use exec::{QueryOutput, Session, SqlError};

/// File name of the `default` database inside the state directory (as Spin names it).
pub const DEFAULT_DB_FILE: &str = "sqlite_db.db";

/// How long a statement waits for another process's lock on the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteLocation {
    /// Private to this process, gone when it exits.
    InMemory,
    /// A database file; its directory is created on first open.
    File(PathBuf),
}

struct Database {
    location: SqliteLocation,
    conn: Mutex<Option<Connection>>,
}

impl Database {
    fn open(location: &SqliteLocation) -> Result<Connection, SqlError> {
        let conn = match location {
            SqliteLocation::InMemory => Connection::open_in_memory()?,
            SqliteLocation::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        SqlError::Io(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                Connection::open(path)?
            }
        };
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    /// Runs `f` on the connection, opening it first if needed. Blocking.
    fn with_conn<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, SqlError>,
    ) -> Result<R, SqlError> {
        // A panic while the lock was held leaves the connection itself usable.
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut conn = match guard.take() {
            Some(conn) => conn,
            None => Self::open(&self.location)?,
        };
        let result = f(&mut conn);
        *guard = Some(conn);
        result
    }
}

/// The databases this process offers, by label.
#[derive(Default)]
pub struct SqliteDatabases {
    databases: BTreeMap<String, Arc<Database>>,
}

impl SqliteDatabases {
    pub fn new(locations: BTreeMap<String, SqliteLocation>) -> SqliteDatabases {
        let databases = locations
            .into_iter()
            .map(|(label, location)| {
                let db = Database {
                    location,
                    conn: Mutex::new(None),
                };
                (label, Arc::new(db))
            })
            .collect();
        SqliteDatabases { databases }
    }

    /// Spin's default set: only `default`, a file in `state_dir`.
    pub fn spin_default(state_dir: &Path) -> SqliteDatabases {
        SqliteDatabases::spin_default_and(state_dir, BTreeMap::new())
    }

    /// Spin's default set with `configured` labels added (a configured `default` replaces it).
    pub fn spin_default_and(
        state_dir: &Path,
        configured: BTreeMap<String, SqliteLocation>,
    ) -> SqliteDatabases {
        let default = SqliteLocation::File(state_dir.join(DEFAULT_DB_FILE));
        let mut locations = BTreeMap::from([("default".to_string(), default)]);
        locations.extend(configured);
        SqliteDatabases::new(locations)
    }

    /// The location of a label, if configured.
    pub fn location(&self, label: &str) -> Option<&SqliteLocation> {
        self.databases.get(label).map(|db| &db.location)
    }
}

/// A guest's open database handle.
pub struct SqliteConnection {
    db: Arc<Database>,
    session: Session,
}

/// Sets its flag when dropped: a request that times out drops the future awaiting its statement,
/// and the statement, still running on the blocking pool, sees the flag and stops.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs blocking SQLite work off the async executor.
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, SqlError> + Send + 'static,
) -> Result<R, SqlError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(SqlError::Io(format!("sqlite task failed: {e}"))))
}

impl HostState {
    async fn sqlite_open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, SqlError>> {
        if !self.policy.sqlite_databases.iter().any(|l| l == &label) {
            return Ok(Err(SqlError::AccessDenied));
        }
        let Some(db) = self.shared.sqlite.databases.get(&label).cloned() else {
            return Ok(Err(SqlError::NoSuchDatabase));
        };
        // Open now so a missing directory or unreadable file is reported by `open`.
        let opened = db.clone();
        if let Err(e) = blocking(move || opened.with_conn(|_| Ok(()))).await {
            return Ok(Err(e));
        }
        let conn = SqliteConnection {
            db,
            session: Session::default(),
        };
        Ok(Ok(self.table.push(conn)?))
    }

    async fn sqlite_execute(
        &mut self,
        conn: &Resource<SqliteConnection>,
        statement: String,
        params: Vec<Value>,
    ) -> wasmtime::Result<Result<QueryOutput, SqlError>> {
        let handle = self.table.get(conn)?;
        let db = handle.db.clone();
        let mut session = handle.session;
        let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
        let cancelled = cancel.0.clone();
        let result = blocking(move || {
            let out = db.with_conn(|c| {
                exec::interruptible(c, &cancelled, |c| {
                    exec::execute(c, &statement, &params, &mut session)
                })
            })?;
            Ok((out, session))
        })
        .await;
        drop(cancel);
        Ok(match result {
            Ok((out, session)) => {
                self.table.get_mut(conn)?.session = session;
                Ok(out)
            }
            Err(e) => Err(e),
        })
    }

    fn sqlite_session(&self, conn: &Resource<SqliteConnection>) -> wasmtime::Result<Session> {
        Ok(self.table.get(conn)?.session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_config_databases_add_to_or_replace_the_default() {
        let configured = BTreeMap::from([
            ("default".to_string(), SqliteLocation::InMemory),
            (
                "reports".to_string(),
                SqliteLocation::File(PathBuf::from("/data/reports.db")),
            ),
        ]);
        let dbs = SqliteDatabases::spin_default_and(Path::new("/state"), configured);
        assert_eq!(dbs.location("default"), Some(&SqliteLocation::InMemory));
        assert_eq!(
            dbs.location("reports"),
            Some(&SqliteLocation::File(PathBuf::from("/data/reports.db")))
        );
        let plain = SqliteDatabases::spin_default_and(Path::new("/state"), BTreeMap::new());
        assert_eq!(
            plain.location("default"),
            Some(&SqliteLocation::File(PathBuf::from("/state/sqlite_db.db")))
        );
    }

    #[test]
    fn spin_default_is_one_file_in_the_state_dir() {
        let dbs = SqliteDatabases::spin_default(Path::new("/srv/app/.spin"));
        assert_eq!(
            dbs.location("default"),
            Some(&SqliteLocation::File(PathBuf::from(
                "/srv/app/.spin/sqlite_db.db"
            )))
        );
        assert_eq!(dbs.location("other"), None);
    }

    #[test]
    fn file_database_creates_its_directory_and_keeps_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state/nested/db.sqlite");
        let location = SqliteLocation::File(path.clone());
        let mut s = Session::default();
        let db = Database {
            location: location.clone(),
            conn: Mutex::new(None),
        };
        db.with_conn(|c| exec::execute(c, "CREATE TABLE t(v)", &[], &mut s))
            .expect("create");
        db.with_conn(|c| exec::execute(c, "INSERT INTO t VALUES (7)", &[], &mut s))
            .expect("insert");
        assert!(path.exists());
        drop(db);
        let again = Database {
            location,
            conn: Mutex::new(None),
        };
        let out = again
            .with_conn(|c| exec::execute(c, "SELECT v FROM t", &[], &mut s))
            .expect("select");
        assert_eq!(out.rows, vec![vec![Value::Integer(7)]]);
    }

    #[test]
    fn unopenable_file_is_an_io_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").expect("write");
        let db = Database {
            location: SqliteLocation::File(blocker.join("db.sqlite")),
            conn: Mutex::new(None),
        };
        let err = db.with_conn(|_| Ok(())).expect_err("parent is a file");
        assert!(matches!(err, SqlError::Io(_)), "{err:?}");
    }
}
