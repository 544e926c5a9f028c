//! One deadpool pool per address, and how a guest's connection gets its client.
//!
//! A broken pooled connection is replaced before a statement is sent on it, never after:
//! deadpool checks at checkout that the connection task is still running (it ends as soon as
//! the server closes the socket, as on a restart), and a guest connection checks again before
//! its first statement. A statement that was sent when the connection broke is not retried: the
//! host cannot know whether it ran (even a SELECT may call a function that writes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::NoTls;

use crate::host::spin::postgres::postgres::Error;

/// Most connections one address's pool keeps open, unless `--pg-pool-size` says otherwise.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// Pools by address (the guest's connection string).
pub struct PgPools {
    pools: Mutex<HashMap<String, Pool>>,
    /// Bound on connecting and on waiting for a free connection.
    pub(super) timeout: Duration,
    /// Bound on one statement: a locked table or a paused server answers the guest within it.
    pub(super) query_timeout: Duration,
    pub(super) size: usize,
}

impl PgPools {
    pub fn new(timeout: Duration, query_timeout: Duration) -> PgPools {
        PgPools {
            pools: Mutex::new(HashMap::new()),
            timeout,
            query_timeout,
            size: DEFAULT_POOL_SIZE,
        }
    }

    /// At most `size` connections per address (at least one).
    pub fn with_size(mut self, size: usize) -> PgPools {
        self.size = size.max(1);
        self
    }

    pub(super) fn pool_for(
        &self,
        address: &str,
        mut config: tokio_postgres::Config,
    ) -> Result<Pool, Error> {
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
                // Fast: a connection whose task has ended (the server closed it) is discarded at
                // checkout without a round trip.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(self.size)
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

/// The client for a guest connection's next statement. A client whose connection has ended is
/// replaced only while the guest has sent nothing on it: after that it may hold session state
/// (an open transaction, `SET`s) that a fresh connection would silently lose.
pub(super) async fn live_client(
    pool: &Pool,
    current: Object,
    used: bool,
) -> Result<Object, PoolError> {
    if used || !current.is_closed() {
        return Ok(current);
    }
    // Taken out of the pool so the closed client is never handed out again.
    drop(Object::take(current));
    pool.get().await
}
