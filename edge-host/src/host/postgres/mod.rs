//! `spin:postgres/postgres@4.0.0` on tokio-postgres: a deadpool pool per address, Spin's value
//! mapping and structured database errors.
#![allow(
    clippy::result_large_err,
    reason = "the error type is the WIT-generated `error` variant the guest receives; boxing it would only add a conversion"
)]

mod params;
mod ranges;
mod values;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::config::Host as PgHost;
use wasmtime::component::Resource;

use super::HostState;
use super::spin::postgres::postgres::{
    DbError, Error, Host, HostConnection, ParameterValue, QueryError, RowSet,
};

/// Most connections one address's pool keeps open.
const POOL_SIZE: usize = 16;

/// How long the cancel request for a timed-out statement may take (a stalled server may not
/// answer it either).
const CANCEL_BOUND: Duration = Duration::from_secs(2);

/// Pools by address (the guest's connection string).
pub struct PgPools {
    pools: Mutex<HashMap<String, Pool>>,
    timeout: Duration,
    /// Bound on one statement: a locked table or a paused server answers the guest within it.
    query_timeout: Duration,
}

/// A guest's open connection: a pooled client, returned to the pool when the guest drops it;
/// `None` once a statement on it timed out (the client left the pool then).
pub struct PgConnection {
    client: Option<Object>,
}

/// What the guest gets for a statement that ran out of time (the app answers 503 for it).
fn timed_out(limit: Duration) -> Error {
    Error::QueryFailed(QueryError::Text(format!(
        "statement timed out after {} ms; the server was asked to cancel it",
        limit.as_millis()
    )))
}

fn closed() -> Error {
    Error::ConnectionFailed("connection closed after a statement timed out".to_string())
}

/// Takes a client whose statement timed out out of the pool (its protocol state is unknown) and
/// asks the server to cancel the statement, in the background and bounded.
fn abandon(client: Object) {
    let token = client.cancel_token();
    let client = Object::take(client);
    tokio::spawn(async move {
        let _ = tokio::time::timeout(CANCEL_BOUND, token.cancel_query(NoTls)).await;
        drop(client);
    });
}

impl PgPools {
    pub fn new(timeout: Duration, query_timeout: Duration) -> PgPools {
        PgPools {
            pools: Mutex::new(HashMap::new()),
            timeout,
            query_timeout,
        }
    }

    fn pool_for(&self, address: &str, mut config: tokio_postgres::Config) -> Result<Pool, Error> {
        let mut pools = self
            .pools
            .lock()
            .map_err(|_| Error::Other("connection pools unavailable".to_string()))?;
        if let Some(pool) = pools.get(address) {
            return Ok(pool.clone());
        }
        config.connect_timeout(self.timeout);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(self.timeout))
            .create_timeout(Some(self.timeout))
            .recycle_timeout(Some(self.timeout))
            .build()
            .map_err(|e| Error::Other(format!("cannot build connection pool: {e}")))?;
        pools.insert(address.to_string(), pool.clone());
        Ok(pool)
    }
}

/// Every host:port the connection string names (libpq key=value or URL form).
fn targets(config: &tokio_postgres::Config) -> Vec<(String, u16)> {
    let ports = config.get_ports();
    config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let name = match host {
                PgHost::Tcp(h) => h.clone(),
                PgHost::Unix(p) => p.display().to_string(),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            (name, port)
        })
        .collect()
}

/// Why a connection could not be had, with the server's own reason when it gave one
/// (tokio-postgres shows a refused login only as "db error").
fn pool_error(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(pg) => match pg.as_db_error() {
            Some(db) => format!(
                "the server refused the connection: {} {}: {}",
                db.severity(),
                db.code().code(),
                db.message()
            ),
            None => pg.to_string(),
        },
        other => other.to_string(),
    }
}

/// Spin's error shape: database errors keep SQLSTATE, message and detail.
fn map_error(e: &tokio_postgres::Error) -> Error {
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

impl HostState {
    /// The guest's answer for a statement run under the statement bound; a statement that ran
    /// out of time takes its client out of the pool.
    fn settle<T>(
        &mut self,
        c: &Resource<PgConnection>,
        limit: Duration,
        result: Result<Result<T, tokio_postgres::Error>, tokio::time::error::Elapsed>,
    ) -> wasmtime::Result<Result<T, Error>> {
        Ok(match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.shared.metrics.outbound_error("postgres", "query");
                Err(map_error(&e))
            }
            Err(_) => {
                if let Some(client) = self.table.get_mut(c)?.client.take() {
                    abandon(client);
                }
                self.shared.metrics.outbound_error("postgres", "timeout");
                Err(timed_out(limit))
            }
        })
    }
}

impl Host for HostState {}

impl HostConnection for HostState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<PgConnection>, Error>> {
        let config = match tokio_postgres::Config::from_str(&address) {
            Ok(c) => c,
            Err(e) => {
                return Ok(Err(Error::ConnectionFailed(format!(
                    "invalid address: {e}"
                ))));
            }
        };
        let targets = targets(&config);
        if targets.is_empty() {
            return Ok(Err(Error::ConnectionFailed(
                "address names no host".to_string(),
            )));
        }
        for (host, port) in &targets {
            if !self.policy.outbound.allows("postgres", host, *port) {
                self.shared
                    .metrics
                    .outbound_error("postgres", "not_allowed");
                return Ok(Err(Error::ConnectionFailed(format!(
                    "address postgres://{host}:{port} is not permitted"
                ))));
            }
        }
        self.shared.metrics.outbound_call("postgres");
        let pool = match self.shared.postgres.pool_for(&address, config) {
            Ok(pool) => pool,
            Err(e) => return Ok(Err(e)),
        };
        match pool.get().await {
            Ok(client) => Ok(Ok(self.table.push(PgConnection {
                client: Some(client),
            })?)),
            Err(e) => {
                self.shared.metrics.outbound_error("postgres", "connect");
                Ok(Err(Error::ConnectionFailed(pool_error(&e))))
            }
        }
    }

    async fn query(
        &mut self,
        c: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<RowSet, Error>> {
        let params = match params::convert(params) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        self.shared.metrics.outbound_call("postgres");
        let limit = self.shared.postgres.query_timeout;
        let conn = self.table.get(&c)?;
        let Some(client) = conn.client.as_ref() else {
            return Ok(Err(closed()));
        };
        let refs = params::as_refs(&params);
        let run = async {
            let stmt = client.prepare_cached(&statement).await?;
            let rows = client.query(&stmt, &refs).await?;
            Ok::<_, tokio_postgres::Error>((stmt, rows))
        };
        let result = tokio::time::timeout(limit, run).await;
        Ok(self
            .settle(&c, limit, result)?
            .and_then(|(stmt, rows)| values::row_set(stmt.columns(), &rows)))
    }

    async fn execute(
        &mut self,
        c: Resource<PgConnection>,
        statement: String,
        params: Vec<ParameterValue>,
    ) -> wasmtime::Result<Result<u64, Error>> {
        let params = match params::convert(params) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        self.shared.metrics.outbound_call("postgres");
        let limit = self.shared.postgres.query_timeout;
        let conn = self.table.get(&c)?;
        let Some(client) = conn.client.as_ref() else {
            return Ok(Err(closed()));
        };
        let refs = params::as_refs(&params);
        let result = tokio::time::timeout(limit, client.execute(statement.as_str(), &refs)).await;
        self.settle(&c, limit, result)
    }

    async fn drop(&mut self, c: Resource<PgConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
