//! The items table over `spin:postgres/postgres@4.0.0`: statements, parameters,
//! row decoding and error classification. Generic over [`SqlClient`] so all of
//! it is unit-tested natively; the component supplies the real connection.
//! Every statement is a constant with `$n` placeholders: input never becomes SQL.

use spin_sdk::pg4::{DbValue, ParameterValue, PgError, QueryError, RowSet};

use crate::deps::{DepError, Dependency, ItemStore};
use crate::item::{Item, ItemInput};

/// The two calls of a Postgres connection the store needs.
#[allow(
    clippy::result_large_err,
    reason = "PgError is the SDK's own type, carrying the structured database error"
)]
pub trait SqlClient {
    fn query(&mut self, statement: &str, params: &[ParameterValue]) -> Result<RowSet, PgError>;
    fn execute(&mut self, statement: &str, params: &[ParameterValue]) -> Result<u64, PgError>;
}

// Timestamps are rendered by Postgres as RFC 3339 text, so they decode the same on any host.
macro_rules! item_columns {
    () => {
        r#"id, name, description, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at"#
    };
}

pub const PING: &str = "SELECT 1";
pub const COUNT_ALL: &str = "SELECT count(*) FROM items";
pub const COUNT_MATCHING: &str = r"SELECT count(*) FROM items WHERE name ILIKE $1 ESCAPE '\'";
pub const LIST_ALL: &str = concat!(
    "SELECT ",
    item_columns!(),
    " FROM items ORDER BY id LIMIT $1 OFFSET $2"
);
pub const LIST_MATCHING: &str = concat!(
    "SELECT ",
    item_columns!(),
    r" FROM items WHERE name ILIKE $1 ESCAPE '\' ORDER BY id LIMIT $2 OFFSET $3"
);
pub const GET: &str = concat!("SELECT ", item_columns!(), " FROM items WHERE id = $1");
pub const INSERT: &str = concat!(
    "INSERT INTO items (name, description) VALUES ($1, $2) RETURNING ",
    item_columns!()
);
pub const UPDATE: &str = concat!(
    "UPDATE items SET name = $2, description = $3, updated_at = now() WHERE id = $1 RETURNING ",
    item_columns!()
);
pub const DELETE: &str = "DELETE FROM items WHERE id = $1";

/// ILIKE pattern matching names that contain `term`, with the pattern's own
/// metacharacters (`%`, `_`, and the escape `\`) taken literally.
pub fn contains_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Postgres-backed [`ItemStore`].
pub struct PgItemStore<C> {
    client: C,
}

impl<C: SqlClient> PgItemStore<C> {
    pub fn new(client: C) -> Self {
        Self { client }
    }

    fn query(&mut self, statement: &str, params: &[ParameterValue]) -> Result<RowSet, DepError> {
        self.client.query(statement, params).map_err(classify)
    }

    fn items(&mut self, statement: &str, params: &[ParameterValue]) -> Result<Vec<Item>, DepError> {
        let rows = self.query(statement, params)?;
        rows.rows.iter().map(|row| decode_item(row)).collect()
    }

    fn first_item(
        &mut self,
        statement: &str,
        params: &[ParameterValue],
    ) -> Result<Option<Item>, DepError> {
        Ok(self.items(statement, params)?.into_iter().next())
    }
}

impl<C: SqlClient> ItemStore for PgItemStore<C> {
    fn ping(&mut self) -> Result<(), DepError> {
        self.query(PING, &[]).map(drop)
    }

    fn count(&mut self, pattern: Option<&str>) -> Result<i64, DepError> {
        let rows = match pattern {
            Some(pattern) => self.query(COUNT_MATCHING, &[text(pattern)])?,
            None => self.query(COUNT_ALL, &[])?,
        };
        match rows.rows.first().and_then(|row| row.first()) {
            Some(DbValue::Int64(count)) => Ok(*count),
            other => Err(unexpected("count", other)),
        }
    }

    fn list(
        &mut self,
        pattern: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Item>, DepError> {
        match pattern {
            Some(pattern) => self.items(
                LIST_MATCHING,
                &[
                    text(pattern),
                    ParameterValue::Int64(limit),
                    ParameterValue::Int64(offset),
                ],
            ),
            None => self.items(
                LIST_ALL,
                &[ParameterValue::Int64(limit), ParameterValue::Int64(offset)],
            ),
        }
    }

    fn get(&mut self, id: i64) -> Result<Option<Item>, DepError> {
        self.first_item(GET, &[ParameterValue::Int64(id)])
    }

    fn insert(&mut self, input: &ItemInput) -> Result<Item, DepError> {
        let params = [
            text(&input.name),
            optional_text(input.description.as_deref()),
        ];
        self.first_item(INSERT, &params)?
            .ok_or_else(|| DepError::rejected(Dependency::Postgres, "INSERT returned no row"))
    }

    fn update(&mut self, id: i64, input: &ItemInput) -> Result<Option<Item>, DepError> {
        let params = [
            ParameterValue::Int64(id),
            text(&input.name),
            optional_text(input.description.as_deref()),
        ];
        self.first_item(UPDATE, &params)
    }

    fn delete(&mut self, id: i64) -> Result<bool, DepError> {
        let affected = self
            .client
            .execute(DELETE, &[ParameterValue::Int64(id)])
            .map_err(classify)?;
        Ok(affected > 0)
    }
}

fn text(value: &str) -> ParameterValue {
    ParameterValue::Str(value.to_owned())
}

fn optional_text(value: Option<&str>) -> ParameterValue {
    value.map_or(ParameterValue::DbNull, text)
}

/// Decodes a row selected with the item columns, in their order.
fn decode_item(row: &[DbValue]) -> Result<Item, DepError> {
    let string = |index: usize, column: &str| match row.get(index) {
        Some(DbValue::Str(value)) => Ok(value.clone()),
        other => Err(unexpected(column, other)),
    };
    let id = match row.first() {
        Some(DbValue::Int64(id)) => *id,
        other => return Err(unexpected("id", other)),
    };
    let description = match row.get(2) {
        Some(DbValue::DbNull) => None,
        Some(DbValue::Str(value)) => Some(value.clone()),
        other => return Err(unexpected("description", other)),
    };
    Ok(Item {
        id,
        name: string(1, "name")?,
        description,
        created_at: string(3, "created_at")?,
        updated_at: string(4, "updated_at")?,
    })
}

fn unexpected(column: &str, value: Option<&DbValue>) -> DepError {
    DepError::rejected(
        Dependency::Postgres,
        format!("unexpected value for column {column}: {value:?}"),
    )
}

/// Sorts a Postgres error into "unreachable" (503) or "refused" (500).
pub fn classify(err: PgError) -> DepError {
    let unavailable = |message: String| DepError::unavailable(Dependency::Postgres, message);
    let rejected = |message: String| DepError::rejected(Dependency::Postgres, message);
    match err {
        PgError::ConnectionFailed(message) => unavailable(format!("connection failed: {message}")),
        // No SQLSTATE: the connection broke or closed under us.
        PgError::QueryFailed(QueryError::Text(message)) => unavailable(message),
        // too_many_connections: the server's connection limit, or the host's pool with every
        // connection in use. Reachable but busy, so the client is told to retry shortly.
        PgError::QueryFailed(QueryError::DbError(db)) if db.code == TOO_MANY_CONNECTIONS => {
            DepError::overloaded(
                Dependency::Postgres,
                format!("{} ({})", db.message, db.code),
            )
        }
        PgError::QueryFailed(QueryError::DbError(db)) if sqlstate_means_unavailable(&db.code) => {
            unavailable(format!("{} ({})", db.message, db.code))
        }
        PgError::QueryFailed(QueryError::DbError(db)) => {
            rejected(format!("{} ({})", db.message, db.code))
        }
        PgError::Other(message) => unavailable(message),
        PgError::BadParameter(message) => rejected(format!("bad parameter: {message}")),
        PgError::ValueConversionFailed(message) => {
            rejected(format!("value conversion failed: {message}"))
        }
    }
}

/// SQLSTATE `too_many_connections`.
const TOO_MANY_CONNECTIONS: &str = "53300";

/// SQLSTATE classes for connection trouble, resources, shutdown and system errors.
fn sqlstate_means_unavailable(code: &str) -> bool {
    ["08", "53", "57", "58"]
        .iter()
        .any(|class| code.starts_with(class))
}

#[cfg(test)]
#[path = "pg_store_tests.rs"]
mod tests;
