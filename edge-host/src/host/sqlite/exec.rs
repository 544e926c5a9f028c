//! Running one statement on a rusqlite connection (blocking; callers use `spawn_blocking`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, ErrorCode};

/// Errors shared by both WIT versions of the interface.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlError {
    NoSuchDatabase,
    AccessDenied,
    DatabaseFull,
    Io(String),
}

impl From<rusqlite::Error> for SqlError {
    fn from(e: rusqlite::Error) -> SqlError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => SqlError::DatabaseFull,
            _ => SqlError::Io(e.to_string()),
        }
    }
}

/// Columns and rows of one statement.
#[derive(Debug, Default, PartialEq)]
pub struct QueryOutput {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// What SQLite reports "on the connection", kept per guest connection: the process shares one
/// SQLite connection between requests, so the raw counters may come from another guest.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Session {
    pub last_insert_rowid: i64,
    pub changes: u64,
}

fn column_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        // SQLite does not enforce UTF-8 in TEXT; invalid bytes become U+FFFD rather than failing.
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Whether a statement is one after which SQLite's `changes()` describes it.
fn is_row_change(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    matches!(first.as_str(), "INSERT" | "UPDATE" | "DELETE" | "REPLACE")
}

/// SQLite virtual-machine steps between checks of the cancel flag.
const PROGRESS_STEPS: i32 = 10_000;

/// Runs `f` with SQLite interrupting it as soon as `cancelled` is set.
pub fn interruptible<R>(
    conn: &mut Connection,
    cancelled: &Arc<AtomicBool>,
    f: impl FnOnce(&Connection) -> Result<R, SqlError>,
) -> Result<R, SqlError> {
    if cancelled.load(Ordering::Relaxed) {
        return Err(SqlError::Io("the request was cancelled".to_string()));
    }
    let flag = cancelled.clone();
    conn.progress_handler(PROGRESS_STEPS, Some(move || flag.load(Ordering::Relaxed)))?;
    let result = f(conn);
    // The handler must not outlive this call: the flag is set once the request ends.
    conn.progress_handler(0, None::<fn() -> bool>)?;
    result
}

/// Runs `sql` with `params` and collects every row; updates `session` as SQLite would.
pub fn execute(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    session: &mut Session,
) -> Result<QueryOutput, SqlError> {
    let rowid_before = conn.last_insert_rowid();
    let total_before = conn.total_changes();
    let mut stmt = conn.prepare_cached(sql)?;
    let columns: Vec<String> = stmt.column_names().map(String::from).collect();
    let width = columns.len();
    let mut rows_out = Vec::new();
    {
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(column_value(row.get_ref(i)?));
            }
            rows_out.push(values);
        }
    }
    let rowid_after = conn.last_insert_rowid();
    if rowid_after != rowid_before {
        session.last_insert_rowid = rowid_after;
    }
    if conn.total_changes() != total_before || is_row_change(sql) {
        session.changes = conn.changes();
    }
    Ok(QueryOutput {
        columns,
        rows: rows_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        Connection::open_in_memory().expect("in-memory database")
    }

    #[test]
    fn every_value_type_round_trips() {
        let c = conn();
        let mut s = Session::default();
        execute(&c, "CREATE TABLE t(v)", &[], &mut s).expect("create");
        let values = vec![
            Value::Integer(-42),
            Value::Real(2.5),
            Value::Text("héllo".to_string()),
            Value::Blob(vec![0, 255, 7]),
            Value::Null,
        ];
        for v in &values {
            execute(
                &c,
                "INSERT INTO t(v) VALUES (?)",
                std::slice::from_ref(v),
                &mut s,
            )
            .expect("insert");
        }
        let out = execute(&c, "SELECT v FROM t ORDER BY rowid", &[], &mut s).expect("select");
        assert_eq!(out.columns, vec!["v"]);
        let got: Vec<Value> = out.rows.into_iter().flatten().collect();
        assert_eq!(got, values);
    }

    #[test]
    fn columns_are_named_even_without_rows() {
        let c = conn();
        let mut s = Session::default();
        execute(&c, "CREATE TABLE t(key TEXT, value TEXT)", &[], &mut s).expect("create");
        let out = execute(&c, "SELECT key, value FROM t", &[], &mut s).expect("select");
        assert_eq!(out.columns, vec!["key", "value"]);
        assert!(out.rows.is_empty());
    }

    #[test]
    fn session_counters_follow_this_guest_only() {
        let c = conn();
        let mut mine = Session::default();
        let mut other = Session::default();
        execute(&c, "CREATE TABLE t(v)", &[], &mut mine).expect("create");
        execute(&c, "INSERT INTO t VALUES (1), (2)", &[], &mut mine).expect("insert");
        assert_eq!(mine.last_insert_rowid, 2);
        assert_eq!(mine.changes, 2);
        execute(&c, "SELECT * FROM t", &[], &mut other).expect("select");
        assert_eq!(other, Session::default(), "a read changes nothing");
        execute(&c, "DELETE FROM t WHERE v = 99", &[], &mut mine).expect("delete");
        assert_eq!(mine.changes, 0, "a DELETE of no rows reports 0");
        assert_eq!(mine.last_insert_rowid, 2);
    }

    #[test]
    fn bad_sql_and_wrong_parameter_count_are_errors() {
        let c = conn();
        let mut s = Session::default();
        let err = execute(&c, "SELEC 1", &[], &mut s).expect_err("syntax error");
        assert!(
            matches!(err, SqlError::Io(ref m) if m.contains("syntax")),
            "{err:?}"
        );
        let err = execute(&c, "SELECT ?", &[], &mut s).expect_err("missing parameter");
        assert!(matches!(err, SqlError::Io(_)), "{err:?}");
    }

    #[test]
    fn a_cancelled_statement_is_interrupted_and_the_connection_stays_usable() {
        let mut c = conn();
        let mut s = Session::default();
        // Finite, but takes seconds to run to the end.
        let long = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000000) \
                    SELECT count(*) FROM n";
        let cancelled = Arc::new(AtomicBool::new(false));
        let flag = cancelled.clone();
        let err = interruptible(&mut c, &cancelled, |c| {
            flag.store(true, Ordering::Relaxed);
            execute(c, long, &[], &mut s)
        })
        .expect_err("interrupted");
        assert!(
            matches!(err, SqlError::Io(ref m) if m.contains("interrupt")),
            "{err:?}"
        );

        let err = interruptible(&mut c, &cancelled, |_| Ok(())).expect_err("already cancelled");
        assert!(
            matches!(err, SqlError::Io(ref m) if m.contains("cancelled")),
            "{err:?}"
        );

        let fresh = Arc::new(AtomicBool::new(false));
        let out = interruptible(&mut c, &fresh, |c| execute(c, "SELECT 1", &[], &mut s))
            .expect("handler was removed");
        assert_eq!(out.rows, vec![vec![Value::Integer(1)]]);
    }

    #[test]
    fn row_change_statements_are_recognised() {
        assert!(is_row_change("  insert into t values (1)"));
        assert!(is_row_change("DELETE FROM t"));
        assert!(!is_row_change("CREATE TABLE t(v)"));
        assert!(!is_row_change(""));
    }
}
