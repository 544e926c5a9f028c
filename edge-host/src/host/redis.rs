//! `fermyon:spin/redis@2.0.0` on the `redis` crate: one multiplexed connection per address,
//! shared by all requests, dropped and re-made when it fails so a restarted server is picked up.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{ConnectionAddr, Value};
use wasmtime::component::Resource;

use super::HostState;
use super::fermyon::spin::redis::{
    Error, Host, HostConnection, Payload, RedisParameter, RedisResult,
};
use super::redis_link::Link;

/// Connections by address (the guest's address string, which includes any password).
pub struct RedisPools {
    connections: Mutex<HashMap<String, Link>>,
    timeout: Duration,
}

/// A guest's open connection: a clone of the shared multiplexed connection.
pub struct RedisConnection {
    address: String,
    conn: MultiplexedConnection,
}

impl RedisPools {
    pub fn new(timeout: Duration) -> RedisPools {
        RedisPools {
            connections: Mutex::new(HashMap::new()),
            timeout,
        }
    }

    /// The shared connection for `address`, unless the server has closed it since.
    fn cached(&self, address: &str) -> Option<MultiplexedConnection> {
        let links = self.connections.lock().ok()?;
        let link = links.get(address)?;
        link.is_alive().then(|| link.connection())
    }

    fn forget(&self, address: &str) {
        if let Ok(mut map) = self.connections.lock() {
            map.remove(address);
        }
    }

    async fn connect(
        &self,
        client: redis::Client,
        address: &str,
    ) -> Result<MultiplexedConnection, Error> {
        if let Some(conn) = self.cached(address) {
            return Ok(conn);
        }
        let link = Link::open(&client, self.timeout)
            .await
            .map_err(|e| Error::Other(format!("cannot connect to Redis: {e}")))?;
        if let Ok(mut map) = self.connections.lock() {
            map.insert(address.to_string(), link.clone());
        }
        Ok(link.connection())
    }
}

fn map_error(e: &redis::RedisError) -> Error {
    match e.kind() {
        redis::ErrorKind::UnexpectedReturnType => Error::TypeError,
        _ if e.code() == Some("WRONGTYPE") => Error::TypeError,
        _ => Error::Other(e.to_string()),
    }
}

impl HostState {
    /// Runs one command on a guest connection, forgetting the shared connection if it broke.
    async fn redis_run<T: redis::FromRedisValue>(
        &mut self,
        conn: &Resource<RedisConnection>,
        cmd: redis::Cmd,
    ) -> wasmtime::Result<Result<T, Error>> {
        let entry = self.table.get(conn)?;
        let address = entry.address.clone();
        let mut c = entry.conn.clone();
        self.shared.metrics.outbound_call("redis");
        let result = cmd.query_async::<T>(&mut c).await;
        Ok(result.map_err(|e| {
            let kind = if e.is_unrecoverable_error() || e.is_io_error() || e.is_timeout() {
                self.shared.redis.forget(&address);
                "connection"
            } else {
                "command"
            };
            self.shared.metrics.outbound_error("redis", kind);
            map_error(&e)
        }))
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
        let conn = match self.shared.redis.connect(client, &address).await {
            Ok(conn) => conn,
            Err(e) => {
                self.shared.metrics.outbound_error("redis", "connect");
                return Ok(Err(e));
            }
        };
        Ok(Ok(self.table.push(RedisConnection { address, conn })?))
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Payload,
    ) -> wasmtime::Result<Result<(), Error>> {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        self.redis_run::<()>(&c, cmd).await
    }

    async fn get(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Payload>, Error>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(key);
        self.redis_run::<Option<Vec<u8>>>(&c, cmd).await
    }

    async fn set(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        value: Payload,
    ) -> wasmtime::Result<Result<(), Error>> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        self.redis_run::<()>(&c, cmd).await
    }

    async fn incr(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<i64, Error>> {
        let mut cmd = redis::cmd("INCR");
        cmd.arg(key);
        self.redis_run::<i64>(&c, cmd).await
    }

    async fn del(
        &mut self,
        c: Resource<RedisConnection>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(keys);
        self.redis_run::<u32>(&c, cmd).await
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let mut cmd = redis::cmd("SADD");
        cmd.arg(key).arg(values);
        self.redis_run::<u32>(&c, cmd).await
    }

    async fn smembers(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let mut cmd = redis::cmd("SMEMBERS");
        cmd.arg(key);
        self.redis_run::<Vec<String>>(&c, cmd).await
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> wasmtime::Result<Result<u32, Error>> {
        let mut cmd = redis::cmd("SREM");
        cmd.arg(key).arg(values);
        self.redis_run::<u32>(&c, cmd).await
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<RedisParameter>,
    ) -> wasmtime::Result<Result<Vec<RedisResult>, Error>> {
        let mut cmd = redis::cmd(&command);
        for arg in arguments {
            match arg {
                RedisParameter::Int64(i) => cmd.arg(i),
                RedisParameter::Binary(b) => cmd.arg(b),
            };
        }
        Ok(self.redis_run::<Value>(&c, cmd).await?.map(to_result))
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
