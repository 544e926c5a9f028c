//! `fermyon:spin/redis@2.0.0` on the `redis` crate: one multiplexed connection per address,
//! shared by all requests, and replaced when it breaks so a restarted server costs no request.
//!
//! A connection whose driver has ended (the server closed it) is replaced before a command is
//! sent on it, so any command may go on the new one. A command that fails because the connection
//! broke under it (broken pipe, reset, end of stream) may have run on the server: it is sent
//! again on a fresh connection only when that is harmless ([`redis_retry::resend`]).
//! Timeouts are never retried (a stalled server would only double the wait).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use redis::{ConnectionAddr, Value};
use wasmtime::component::Resource;

use super::HostState;
use super::fermyon::spin::redis::{
    Error, Host, HostConnection, Payload, RedisParameter, RedisResult,
};
use super::redis_link::Link;
use super::redis_retry::{self, Resend, broke_under};

/// Connections by address (the guest's address string, which includes any password).
pub struct RedisPools {
    connections: Mutex<HashMap<String, Link>>,
    timeout: Duration,
}

/// A guest's open connection: the shared connection it uses, replaced when that one breaks.
pub struct RedisConnection {
    address: String,
    client: redis::Client,
    link: Link,
}

impl RedisPools {
    pub fn new(timeout: Duration) -> RedisPools {
        RedisPools {
            connections: Mutex::new(HashMap::new()),
            timeout,
        }
    }

    /// The shared connection for `address`, unless the server has closed it since.
    fn cached(&self, address: &str) -> Option<Link> {
        let links = self.connections.lock().ok()?;
        links.get(address).filter(|link| link.is_alive()).cloned()
    }

    /// Drops `broken` from the shared connections (not a newer one another request made).
    fn forget(&self, address: &str, broken: &Link) {
        if let Ok(mut map) = self.connections.lock()
            && map.get(address).is_some_and(|link| link.same_as(broken))
        {
            map.remove(address);
        }
    }

    /// The live shared connection for `address`, opening one if there is none.
    async fn link(&self, client: &redis::Client, address: &str) -> Result<Link, Error> {
        if let Some(link) = self.cached(address) {
            return Ok(link);
        }
        let link = Link::open(client, self.timeout)
            .await
            .map_err(|e| Error::Other(format!("cannot connect to Redis: {e}")))?;
        if let Ok(mut map) = self.connections.lock() {
            map.insert(address.to_string(), link.clone());
        }
        Ok(link)
    }
}

fn map_error(e: &redis::RedisError) -> Error {
    match e.kind() {
        redis::ErrorKind::UnexpectedReturnType => Error::TypeError,
        _ if e.code() == Some("WRONGTYPE") => Error::TypeError,
        _ => Error::Other(e.to_string()),
    }
}

/// Whether a connection is unusable after this error and must be replaced.
fn unusable_after(e: &redis::RedisError) -> bool {
    e.is_unrecoverable_error() || e.is_io_error() || e.is_timeout()
}

impl HostState {
    /// A live shared connection for the guest connection `conn`, which then uses it.
    async fn fresh_link(
        &mut self,
        conn: &Resource<RedisConnection>,
    ) -> wasmtime::Result<Result<Link, Error>> {
        let entry = self.table.get(conn)?;
        let (client, address) = (entry.client.clone(), entry.address.clone());
        let link = match self.shared.redis.link(&client, &address).await {
            Ok(link) => link,
            Err(e) => {
                self.shared.metrics.outbound_error("redis", "connect");
                return Ok(Err(e));
            }
        };
        self.table.get_mut(conn)?.link = link.clone();
        Ok(Ok(link))
    }

    /// Runs one command on a guest connection (see the module doc for when it is sent again).
    async fn redis_run<T: redis::FromRedisValue>(
        &mut self,
        conn: &Resource<RedisConnection>,
        cmd: redis::Cmd,
        resend: Resend,
    ) -> wasmtime::Result<Result<T, Error>> {
        self.shared.metrics.outbound_call("redis");
        let mut link = self.table.get(conn)?.link.clone();
        if !link.is_alive() {
            link = match self.fresh_link(conn).await? {
                Ok(link) => link,
                Err(e) => return Ok(Err(e)),
            };
        }
        let e = match cmd.query_async::<T>(&mut link.connection()).await {
            Ok(value) => return Ok(Ok(value)),
            Err(e) => e,
        };
        let address = self.table.get(conn)?.address.clone();
        if !(broke_under(&e) && resend == Resend::Safe) {
            return Ok(Err(self.redis_failed(&address, &link, &e)));
        }
        self.shared.redis.forget(&address, &link);
        self.shared.metrics.outbound_error("redis", "retried");
        let link = match self.fresh_link(conn).await? {
            Ok(link) => link,
            Err(e) => return Ok(Err(e)),
        };
        let retried = cmd.query_async::<T>(&mut link.connection()).await;
        Ok(retried.map_err(|e| self.redis_failed(&address, &link, &e)))
    }

    /// The guest's error for `e` on `link`, which is dropped if it is unusable after it.
    fn redis_failed(&self, address: &str, link: &Link, e: &redis::RedisError) -> Error {
        let kind = if unusable_after(e) {
            self.shared.redis.forget(address, link);
            "connection"
        } else {
            "command"
        };
        self.shared.metrics.outbound_error("redis", kind);
        map_error(e)
    }
}

fn to_result(value: Value) -> Vec<RedisResult> {
    match value {
        Value::Nil => vec![RedisResult::Nil],
        Value::Int(i) => vec![RedisResult::Int64(i)],
        Value::BulkString(b) => vec![RedisResult::Binary(b)],
        Value::SimpleString(s) => vec![RedisResult::Status(s)],
        Value::Okay => vec![RedisResult::Status("OK".to_string())],
        Value::Array(items) | Value::Set(items) => items.into_iter().flat_map(to_result).collect(),
        Value::Double(d) => vec![RedisResult::Binary(d.to_string().into_bytes())],
        Value::Boolean(b) => vec![RedisResult::Int64(i64::from(b))],
        other => vec![RedisResult::Binary(format!("{other:?}").into_bytes())],
    }
}

impl Host for HostState {}

impl HostConnection for HostState {
    async fn open(
        &mut self,
        address: String,
    ) -> wasmtime::Result<Result<Resource<RedisConnection>, Error>> {
        let Ok(client) = redis::Client::open(address.as_str()) else {
            return Ok(Err(Error::InvalidAddress));
        };
        let allowed = match client.get_connection_info().addr() {
            ConnectionAddr::Tcp(host, port) => self.policy.outbound.allows("redis", host, *port),
            ConnectionAddr::TcpTls { host, port, .. } => {
                self.policy.outbound.allows("rediss", host, *port)
            }
            _ => false,
        };
        if !allowed {
            self.shared.metrics.outbound_error("redis", "not_allowed");
            return Ok(Err(Error::InvalidAddress));
        }
        self.shared.metrics.outbound_call("redis");
        let link = match self.shared.redis.link(&client, &address).await {
            Ok(link) => link,
            Err(e) => {
                self.shared.metrics.outbound_error("redis", "connect");
                return Ok(Err(e));
            }
        };
        Ok(Ok(self.table.push(RedisConnection {
            address,
            client,
            link,
        })?))
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Payload,
    ) -> wasmtime::Result<Result<(), Error>> {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        self.redis_run::<()>(&c, cmd, Resend::Never).await
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Payload>, Error>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(key);
        self.redis_run::<Option<Vec<u8>>>(&c, cmd, Resend::Safe)
            .await
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Payload,
    ) -> wasmtime::Result<Result<(), Error>> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        self.redis_run::<()>(&c, cmd, Resend::Safe).await
    }

    async fn incr(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<i64, Error>> {
        let mut cmd = redis::cmd("INCR");
        cmd.arg(key);
        self.redis_run::<i64>(&c, cmd, Resend::Never).await
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(keys);
        self.redis_run::<u32>(&c, cmd, Resend::Never).await
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let mut cmd = redis::cmd("SADD");
        cmd.arg(key).arg(values);
        self.redis_run::<u32>(&c, cmd, Resend::Never).await
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let mut cmd = redis::cmd("SMEMBERS");
        cmd.arg(key);
        self.redis_run::<Vec<String>>(&c, cmd, Resend::Safe).await
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let mut cmd = redis::cmd("SREM");
        cmd.arg(key).arg(values);
        self.redis_run::<u32>(&c, cmd, Resend::Never).await
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<RedisParameter>,
    ) -> wasmtime::Result<Result<Vec<RedisResult>, Error>> {
        let mut cmd = redis::cmd(&command);
        let mut words: Vec<Vec<u8>> = Vec::with_capacity(arguments.len());
        for arg in arguments {
            match arg {
                RedisParameter::Int64(i) => {
                    cmd.arg(i);
                    words.push(i.to_string().into_bytes());
                }
                RedisParameter::Binary(b) => {
                    cmd.arg(&b);
                    words.push(b);
                }
            }
        }
        let words: Vec<&[u8]> = words.iter().map(Vec::as_slice).collect();
        let resend = redis_retry::resend(&command, &words);
        Ok(self
            .redis_run::<Value>(&c, cmd, resend)
            .await?
            .map(to_result))
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
