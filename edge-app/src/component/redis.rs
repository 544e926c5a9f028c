//! [`Cache`] over `fermyon:spin/redis@2.0.0`. The connection is opened on first
//! use; once Redis fails within a request, later calls fail fast instead of
//! paying for another connection attempt.

use spin_sdk::redis::{Connection, Error, RedisParameter, RedisResult};

use crate::deps::{Cache, DepError, Dependency};

pub struct SpinCache {
    address: String,
    connection: Option<Connection>,
    failed: Option<DepError>,
}

impl SpinCache {
    pub fn new(address: &str) -> Self {
        Self {
            address: address.to_owned(),
            connection: None,
            failed: None,
        }
    }

    /// Runs one command, opening the connection first if needed.
    fn call<T>(
        &mut self,
        command: impl FnOnce(&Connection) -> Result<T, Error>,
    ) -> Result<T, DepError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        if self.connection.is_none() {
            let opened = Connection::open(&self.address).map_err(|err| self.remember(err))?;
            self.connection = Some(opened);
        }
        let Some(connection) = self.connection.as_ref() else {
            return Err(DepError::unavailable(Dependency::Redis, "no connection"));
        };
        command(connection).map_err(|err| self.remember(err))
    }

    fn remember(&mut self, err: Error) -> DepError {
        let err = classify(err);
        if err.kind == crate::deps::FailureKind::Unavailable {
            self.failed = Some(err.clone());
        }
        err
    }
}

fn classify(err: Error) -> DepError {
    match err {
        Error::InvalidAddress => DepError::unavailable(
            Dependency::Redis,
            "address invalid or not in allowed_outbound_hosts",
        ),
        Error::TooManyConnections => {
            DepError::unavailable(Dependency::Redis, "too many connections")
        }
        Error::TypeError => DepError::rejected(Dependency::Redis, "unexpected value type"),
        Error::Other(message) => DepError::unavailable(Dependency::Redis, message),
    }
}

fn bytes(text: &str) -> RedisParameter {
    RedisParameter::Binary(text.as_bytes().to_vec())
}

fn ttl(seconds: u64) -> RedisParameter {
    RedisParameter::Int64(i64::try_from(seconds).unwrap_or(i64::MAX))
}

impl Cache for SpinCache {
    fn ping(&mut self) -> Result<(), DepError> {
        self.call(|c| c.execute("PING", &[])).map(drop)
    }

    fn incr(&mut self, key: &str) -> Result<i64, DepError> {
        self.call(|c| c.incr(key))
    }

    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, DepError> {
        self.call(|c| c.get(key))
    }

    fn set_with_ttl(&mut self, key: &str, value: &[u8], ttl_seconds: u64) -> Result<(), DepError> {
        let args = [
            bytes(key),
            RedisParameter::Binary(value.to_vec()),
            bytes("EX"),
            ttl(ttl_seconds),
        ];
        self.call(|c| c.execute("SET", &args)).map(drop)
    }

    fn set_new_with_ttl(
        &mut self,
        key: &str,
        value: &[u8],
        ttl_seconds: u64,
    ) -> Result<bool, DepError> {
        let args = [
            bytes(key),
            RedisParameter::Binary(value.to_vec()),
            bytes("NX"),
            bytes("EX"),
            ttl(ttl_seconds),
        ];
        // SET ... NX answers OK when it stored the value and nil when the key existed.
        let results = self.call(|c| c.execute("SET", &args))?;
        Ok(matches!(
            results.first(),
            Some(RedisResult::Status(_) | RedisResult::Binary(_))
        ))
    }

    fn delete(&mut self, key: &str) -> Result<(), DepError> {
        self.call(|c| c.del(&[key.to_owned()])).map(drop)
    }
}
