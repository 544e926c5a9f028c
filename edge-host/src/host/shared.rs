//! Process-wide state the host interfaces share across requests: connection pools, the
//! key-value backend, SQLite databases and metrics.

use std::sync::Arc;
use std::time::Duration;

use super::key_value::KeyValueBackend;
use super::postgres::PgPools;
use super::redis::RedisPools;
use super::sqlite::SqliteDatabases;
use crate::metrics::Metrics;

pub struct Shared {
    pub(super) redis: RedisPools,
    pub(super) postgres: PgPools,
    pub(super) key_value: KeyValueBackend,
    pub(super) sqlite: SqliteDatabases,
    /// Bounds MQTT connects and publishes (the same timeout as Redis and Postgres).
    pub(super) mqtt_timeout: Duration,
    pub(crate) metrics: Arc<Metrics>,
}

impl Shared {
    /// `connect_timeout` bounds every outbound connect and round trip so a dead dependency fails
    /// fast; `query_timeout` bounds each Postgres statement.
    pub fn new(
        key_value: KeyValueBackend,
        metrics: Arc<Metrics>,
        connect_timeout: Duration,
        query_timeout: Duration,
    ) -> Shared {
        Shared {
            redis: RedisPools::new(connect_timeout),
            postgres: PgPools::new(connect_timeout, query_timeout),
            key_value,
            sqlite: SqliteDatabases::default(),
            mqtt_timeout: connect_timeout,
            metrics,
        }
    }

    /// At most `size` pooled Postgres connections per address (16 by default).
    pub fn with_pg_pool_size(mut self, size: usize) -> Shared {
        self.postgres = self.postgres.with_size(size);
        self
    }

    /// Offers these SQLite databases (none by default: every label is `no-such-database`).
    pub fn with_sqlite(mut self, databases: SqliteDatabases) -> Shared {
        self.sqlite = databases;
        self
    }
}
