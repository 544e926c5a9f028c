//! `spin:postgres/postgres@4.0.0` on tokio-postgres: a deadpool pool per address, Spin's value
//! mapping and structured database errors.
#![allow(
    clippy::result_large_err,
    reason = "the error type is the WIT-generated `error` variant the guest receives; boxing it would only add a conversion"
)]

mod errors;
mod params;
mod pool;
mod ranges;
mod values;

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Object, Pool};
use tokio_postgres::NoTls;
use tokio_postgres::config::Host as PgHost;
use wasmtime::component::Resource;

use super::HostState;
use super::spin::postgres::postgres::{Error, Host, HostConnection, ParameterValue, RowSet};
use errors::{checkout_error, closed, map_error, timed_out};
pub use pool::{DEFAULT_POOL_SIZE, PgPools};

/// How long the cancel request for a timed-out statement may take (a stalled server may not
/// answer it either).
const CANCEL_BOUND: Duration = Duration::from_secs(2);

/// A guest's open connection: a pooled client, returned to the pool when the guest drops it;
/// `None` once a statement on it timed out (the client left the pool then).
pub struct PgConnection {
    client: Option<Object>,
    pool: Pool,
    /// Whether a statement has been sent on `client` (see [`pool::live_client`]).
    used: bool,
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

    /// The guest's answer when no pooled client could be had.
    fn checkout_failed(&self, e: &deadpool_postgres::PoolError) -> Error {
        let pools = &self.shared.postgres;
        let (error, kind) = checkout_error(e, pools.size, pools.timeout);
        self.shared.metrics.outbound_error("postgres", kind);
        error
    }

    /// Readies the guest connection's client for a statement (see [`pool::live_client`]) and
    /// marks it used: from here on the statement may reach the server.
    async fn ready_client(
        &mut self,
        c: &Resource<PgConnection>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let conn = self.table.get_mut(c)?;
        let Some(client) = conn.client.take() else {
            return Ok(Err(closed()));
        };
        let (pool, used) = (conn.pool.clone(), conn.used);
        match pool::live_client(&pool, client, used).await {
            Ok(client) => {
                let conn = self.table.get_mut(c)?;
                conn.client = Some(client);
                conn.used = true;
                Ok(Ok(()))
            }
            Err(e) => Ok(Err(self.checkout_failed(&e))),
        }
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
                pool,
                used: false,
            })?)),
            Err(e) => Ok(Err(self.checkout_failed(&e))),
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
        if let Err(e) = self.ready_client(&c).await? {
            return Ok(Err(e));
        }
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
        if let Err(e) = self.ready_client(&c).await? {
            return Ok(Err(e));
        }
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
