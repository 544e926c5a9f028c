//! [`SqlClient`] over `spin:postgres/postgres@4.0.0` (spin-sdk's `pg4`), opened
//! on first use.

use spin_sdk::pg4::{Connection, ParameterValue, PgError, RowSet};

use crate::pg_store::SqlClient;

pub struct SpinSql {
    address: String,
    connection: Option<Connection>,
}

impl SpinSql {
    pub fn new(address: &str) -> Self {
        Self {
            address: address.to_owned(),
            connection: None,
        }
    }

    #[allow(
        clippy::result_large_err,
        reason = "PgError is the SDK's own error type"
    )]
    fn connection(&mut self) -> Result<&Connection, PgError> {
        if self.connection.is_none() {
            self.connection = Some(Connection::open(&self.address)?);
        }
        self.connection
            .as_ref()
            .ok_or_else(|| PgError::ConnectionFailed("no connection".to_owned()))
    }
}

impl SqlClient for SpinSql {
    fn query(&mut self, statement: &str, params: &[ParameterValue]) -> Result<RowSet, PgError> {
        self.connection()?.query(statement, params)
    }

    fn execute(&mut self, statement: &str, params: &[ParameterValue]) -> Result<u64, PgError> {
        self.connection()?.execute(statement, params)
    }
}
