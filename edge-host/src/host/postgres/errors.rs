//! What the guest is told when Postgres fails: Spin's error variants carrying the server's own
//! reason (SQLSTATE, message, detail), never the connection string (it holds the password).

use std::time::Duration;

use crate::host::spin::postgres::postgres::{DbError, Error, QueryError};

/// SQLSTATE `too_many_connections`: Postgres's own code for "no connection slot for you now".
const TOO_MANY_CONNECTIONS: &str = "53300";

/// Spin's error shape: database errors keep SQLSTATE, message and detail.
pub fn map_error(e: &tokio_postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let mut extras = Vec::new();
        let mut extra = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                extras.push((k.to_string(), v.to_string()));
            }
        };
        extra("hint", db.hint());
        extra("schema", db.schema());
        extra("table", db.table());
        extra("column", db.column());
        extra("constraint", db.constraint());
        return Error::QueryFailed(QueryError::DbError(DbError {
            as_text: db.to_string(),
            severity: db.severity().to_string(),
            code: db.code().code().to_string(),
            message: db.message().to_string(),
            detail: db.detail().map(str::to_string),
            extras,
        }));
    }
    if e.is_closed() {
        return Error::ConnectionFailed(e.to_string());
    }
    Error::QueryFailed(QueryError::Text(e.to_string()))
}

/// What the guest gets for a statement that ran out of time (the app answers 503 for it).
pub fn timed_out(limit: Duration) -> Error {
    Error::QueryFailed(QueryError::Text(format!(
        "statement timed out after {} ms; the server was asked to cancel it",
        limit.as_millis()
    )))
}

/// For a guest connection whose client is gone: a statement on it timed out, or its connection
/// ended before its first statement and no replacement could be had.
pub fn closed() -> Error {
    Error::ConnectionFailed(
        "connection closed (a statement on it timed out or the server closed it); open a new one"
            .to_string(),
    )
}

/// Why no connection could be had, and the metric label for it. Every connection of the pool in
/// use past the wait bound is overload, not an outage: it becomes a `53300` database error
/// (the code Postgres itself uses when its own connection slots are gone), so a guest can tell
/// "busy, retry shortly" from "down" by SQLSTATE alone.
pub fn checkout_error(
    e: &deadpool_postgres::PoolError,
    pool_size: usize,
    wait: Duration,
) -> (Error, &'static str) {
    use deadpool_postgres::{PoolError, TimeoutType};
    match e {
        PoolError::Timeout(TimeoutType::Wait) => (
            overloaded(format!(
                "connection pool exhausted: all {pool_size} connections to this database are in \
                 use and none came free within {} ms",
                wait.as_millis()
            )),
            "pool_exhausted",
        ),
        PoolError::Backend(pg) => match pg.as_db_error() {
            Some(db) if db.code().code() == TOO_MANY_CONNECTIONS => (map_error(pg), "overloaded"),
            // tokio-postgres shows a refused login only as "db error": name the server's reason.
            Some(db) => (
                Error::ConnectionFailed(format!(
                    "the server refused the connection: {} {}: {}",
                    db.severity(),
                    db.code().code(),
                    db.message()
                )),
                "connect",
            ),
            None => (Error::ConnectionFailed(pg.to_string()), "connect"),
        },
        other => (Error::ConnectionFailed(other.to_string()), "connect"),
    }
}

fn overloaded(message: String) -> Error {
    Error::QueryFailed(QueryError::DbError(DbError {
        as_text: format!("ERROR: {message}"),
        severity: "ERROR".to_string(),
        code: TOO_MANY_CONNECTIONS.to_string(),
        message,
        detail: None,
        extras: vec![(
            "source".to_string(),
            "edge-host connection pool".to_string(),
        )],
    }))
}

#[cfg(test)]
mod tests {
    use deadpool_postgres::{PoolError, TimeoutType};

    use super::*;

    #[test]
    fn a_pool_wait_timeout_is_overload_with_sqlstate_53300() {
        let wait = PoolError::Timeout(TimeoutType::Wait);
        let (error, metric) = checkout_error(&wait, 4, Duration::from_millis(500));
        assert_eq!(metric, "pool_exhausted");
        let Error::QueryFailed(QueryError::DbError(db)) = error else {
            panic!("not a db error: {error:?}");
        };
        assert_eq!(db.code, "53300");
        assert!(db.message.contains("pool exhausted"), "{}", db.message);
        assert!(db.message.contains("all 4 connections"), "{}", db.message);
        assert!(db.message.contains("500 ms"), "{}", db.message);
    }

    #[test]
    fn a_connect_timeout_is_a_connection_failure_not_overload() {
        for timeout in [TimeoutType::Create, TimeoutType::Recycle] {
            let (error, metric) =
                checkout_error(&PoolError::Timeout(timeout), 4, Duration::from_millis(500));
            assert_eq!(metric, "connect");
            assert!(matches!(error, Error::ConnectionFailed(_)), "{error:?}");
        }
    }
}
