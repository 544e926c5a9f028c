//! The two WIT versions of the interface over one implementation: conversions only.

use rusqlite::types::Value;
use wasmtime::component::Resource;

use super::{QueryOutput, SqlError, SqliteConnection};
use crate::host::HostState;
use crate::host::fermyon::spin::sqlite as v2;
use crate::host::spin::sqlite::sqlite as v3;

/// Converts between one WIT version's types and rusqlite's.
macro_rules! conversions {
    ($m:ident) => {
        impl From<$m::Value> for Value {
            fn from(v: $m::Value) -> Value {
                match v {
                    $m::Value::Integer(i) => Value::Integer(i),
                    $m::Value::Real(f) => Value::Real(f),
                    $m::Value::Text(t) => Value::Text(t),
                    $m::Value::Blob(b) => Value::Blob(b),
                    $m::Value::Null => Value::Null,
                }
            }
        }

        impl From<Value> for $m::Value {
            fn from(v: Value) -> $m::Value {
                match v {
                    Value::Integer(i) => $m::Value::Integer(i),
                    Value::Real(f) => $m::Value::Real(f),
                    Value::Text(t) => $m::Value::Text(t),
                    Value::Blob(b) => $m::Value::Blob(b),
                    Value::Null => $m::Value::Null,
                }
            }
        }

        impl From<SqlError> for $m::Error {
            fn from(e: SqlError) -> $m::Error {
                match e {
                    SqlError::NoSuchDatabase => $m::Error::NoSuchDatabase,
                    SqlError::AccessDenied => $m::Error::AccessDenied,
                    SqlError::DatabaseFull => $m::Error::DatabaseFull,
                    SqlError::Io(message) => $m::Error::Io(message),
                }
            }
        }

        impl From<QueryOutput> for $m::QueryResult {
            fn from(out: QueryOutput) -> $m::QueryResult {
                $m::QueryResult {
                    columns: out.columns,
                    rows: out
                        .rows
                        .into_iter()
                        .map(|row| $m::RowResult {
                            values: row.into_iter().map(Into::into).collect(),
                        })
                        .collect(),
                }
            }
        }
    };
}

conversions!(v2);
conversions!(v3);

impl v2::Host for HostState {}

impl v2::HostConnection for HostState {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, v2::Error>> {
        Ok(self.sqlite_open(database).await?.map_err(Into::into))
    }

    async fn execute(
        &mut self,
        conn: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<v2::Value>,
    ) -> wasmtime::Result<Result<v2::QueryResult, v2::Error>> {
        let params = parameters.into_iter().map(Into::into).collect();
        let result = self.sqlite_execute(&conn, statement, params).await?;
        Ok(result.map(Into::into).map_err(Into::into))
    }

    async fn drop(&mut self, conn: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

impl v3::Host for HostState {}

impl v3::HostConnection for HostState {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqliteConnection>, v3::Error>> {
        Ok(self.sqlite_open(database).await?.map_err(Into::into))
    }

    async fn execute(
        &mut self,
        conn: Resource<SqliteConnection>,
        statement: String,
        parameters: Vec<v3::Value>,
    ) -> wasmtime::Result<Result<v3::QueryResult, v3::Error>> {
        let params = parameters.into_iter().map(Into::into).collect();
        let result = self.sqlite_execute(&conn, statement, params).await?;
        Ok(result.map(Into::into).map_err(Into::into))
    }

    async fn last_insert_rowid(
        &mut self,
        conn: Resource<SqliteConnection>,
    ) -> wasmtime::Result<i64> {
        Ok(self.sqlite_session(&conn)?.last_insert_rowid)
    }

    async fn changes(&mut self, conn: Resource<SqliteConnection>) -> wasmtime::Result<u64> {
        Ok(self.sqlite_session(&conn)?.changes)
    }

    async fn drop(&mut self, conn: Resource<SqliteConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_values_map_both_ways_in_both_versions() {
        let guest = [
            v3::Value::Integer(i64::MIN),
            v3::Value::Real(-0.5),
            v3::Value::Text(String::new()),
            v3::Value::Blob(vec![1, 2]),
            v3::Value::Null,
        ];
        let host: Vec<Value> = guest.iter().cloned().map(Into::into).collect();
        assert_eq!(
            host,
            vec![
                Value::Integer(i64::MIN),
                Value::Real(-0.5),
                Value::Text(String::new()),
                Value::Blob(vec![1, 2]),
                Value::Null,
            ]
        );
        let back: Vec<v2::Value> = host.into_iter().map(Into::into).collect();
        assert!(matches!(back[0], v2::Value::Integer(i64::MIN)));
        assert!(matches!(back[1], v2::Value::Real(f) if f == -0.5));
        assert!(matches!(back[2], v2::Value::Text(ref t) if t.is_empty()));
        assert!(matches!(back[3], v2::Value::Blob(ref b) if b == &[1, 2]));
        assert!(matches!(back[4], v2::Value::Null));
    }

    #[test]
    fn errors_keep_their_kind_and_message() {
        assert!(matches!(
            v2::Error::from(SqlError::AccessDenied),
            v2::Error::AccessDenied
        ));
        assert!(matches!(
            v3::Error::from(SqlError::NoSuchDatabase),
            v3::Error::NoSuchDatabase
        ));
        assert!(matches!(
            v3::Error::from(SqlError::Io("disk".to_string())),
            v3::Error::Io(ref m) if m == "disk"
        ));
    }

    #[test]
    fn rows_keep_column_order() {
        let out = QueryOutput {
            columns: vec!["key".to_string(), "value".to_string()],
            rows: vec![vec![Value::Text("k".to_string()), Value::Integer(1)]],
        };
        let r = v2::QueryResult::from(out);
        assert_eq!(r.columns, vec!["key", "value"]);
        assert!(matches!(r.rows[0].values[0], v2::Value::Text(ref t) if t == "k"));
        assert!(matches!(r.rows[0].values[1], v2::Value::Integer(1)));
    }
}
