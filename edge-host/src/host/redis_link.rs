//! A multiplexed Redis connection whose liveness edge-host can see. edge-host runs the
//! connection's driver task itself, so when the server closes the connection (a restart, an idle
//! timeout) the flag drops at once and the next request opens a new connection, instead of sending
//! a command into the dead one and failing a request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, RedisError, RedisResult};

#[derive(Clone)]
pub struct Link {
    connection: MultiplexedConnection,
    alive: Arc<AtomicBool>,
}

impl Link {
    /// Connects (bounded by `timeout`), authenticates and selects the database the URL names.
    pub async fn open(client: &redis::Client, timeout: Duration) -> RedisResult<Link> {
        let info = client.get_connection_info();
        let ConnectionAddr::Tcp(host, port) = info.addr() else {
            return Err(RedisError::from(std::io::Error::other(
                "only plain TCP Redis addresses are supported",
            )));
        };
        let stream = tokio::time::timeout(
            timeout,
            tokio::net::TcpStream::connect((host.as_str(), *port)),
        )
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        stream.set_nodelay(true)?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let setup = MultiplexedConnection::new_with_config(info.redis_settings(), stream, config);
        let (connection, driver) = tokio::time::timeout(timeout, setup)
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        let alive = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&alive);
        tokio::spawn(async move {
            driver.await;
            flag.store(false, Ordering::Release);
        });
        Ok(Link { connection, alive })
    }

    /// False once the server (or the network) closed the connection.
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    /// A handle for one command (a cheap clone of the multiplexed connection).
    pub fn connection(&self) -> MultiplexedConnection {
        self.connection.clone()
    }
}
