//! A key-value store in a Redis database (`type = "redis"` in the runtime config), so every
//! replica sees the same data. Keys are stored as they are, as Spin does: give the store a
//! database of its own (`redis://host/1`) when the app uses the same Redis for other data.

use std::sync::Mutex;
use std::time::Duration;

use super::Error;
use crate::host::redis_link::Link;
use crate::host::redis_retry::broke_under;

pub struct RedisStore {
    client: redis::Client,
    /// One multiplexed connection, re-made once the server closed it or a command failed on it.
    connection: Mutex<Option<Link>>,
    timeout: Duration,
}

/// SCAN batch size for `get-keys`: keeps each Redis call short on a large database.
const SCAN_COUNT: usize = 500;

impl RedisStore {
    pub fn new(url: &str, timeout: Duration) -> Result<RedisStore, String> {
        let client = redis::Client::open(url).map_err(|e| format!("not a Redis URL: {e}"))?;
        Ok(RedisStore {
            client,
            connection: Mutex::new(None),
            timeout,
        })
    }

    async fn link(&self) -> Result<Link, Error> {
        let cached = self.connection.lock().ok().and_then(|slot| slot.clone());
        if let Some(link) = cached.filter(Link::is_alive) {
            return Ok(link);
        }
        let link = Link::open(&self.client, self.timeout)
            .await
            .map_err(|e| Error::Other(format!("key-value store: cannot reach Redis: {e}")))?;
        if let Ok(mut slot) = self.connection.lock() {
            *slot = Some(link.clone());
        }
        Ok(link)
    }

    /// Drops `broken` (not a newer connection another request made).
    fn forget(&self, broken: &Link) {
        if let Ok(mut slot) = self.connection.lock()
            && slot.as_ref().is_some_and(|link| link.same_as(broken))
        {
            *slot = None;
        }
    }

    /// Runs `cmd`, once more on a fresh connection if the connection broke under it. Every
    /// command here may be sent twice: GET, EXISTS and SCAN read, SET stores the same value, and
    /// the store ignores DEL's count (Spin's `delete` returns nothing).
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, Error> {
        let link = self.link().await?;
        let e = match cmd.query_async(&mut link.connection()).await {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        if !broke_under(&e) {
            return Err(self.failed(&link, &e));
        }
        self.forget(&link);
        let link = self.link().await?;
        cmd.query_async(&mut link.connection())
            .await
            .map_err(|e| self.failed(&link, &e))
    }

    /// The guest's error for `e`, dropping the connection when it is unusable after it.
    fn failed(&self, link: &Link, e: &redis::RedisError) -> Error {
        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
            self.forget(link);
        }
        Error::Other(format!("key-value store (Redis): {e}"))
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.run(redis::cmd("GET").arg(key)).await
    }

    pub async fn set(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        self.run(redis::cmd("SET").arg(key).arg(value)).await
    }

    pub async fn delete(&self, key: &str) -> Result<(), Error> {
        self.run::<i64>(redis::cmd("DEL").arg(key)).await.map(drop)
    }

    pub async fn exists(&self, key: &str) -> Result<bool, Error> {
        self.run(redis::cmd("EXISTS").arg(key)).await
    }

    pub async fn keys(&self) -> Result<Vec<String>, Error> {
        let mut keys = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = self
                .run(redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(SCAN_COUNT))
                .await?;
            keys.extend(batch);
            if next == 0 {
                // SCAN may return a key twice; the guest gets each once.
                keys.sort_unstable();
                keys.dedup();
                return Ok(keys);
            }
            cursor = next;
        }
    }
}
