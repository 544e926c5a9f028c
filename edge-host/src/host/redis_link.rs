//! A multiplexed Redis connection whose liveness edge-host can see. edge-host runs the
//! connection's driver task itself, so when the server closes the connection (a restart, an idle
//! timeout) the flag drops at once and the next request opens a new connection, instead of sending
//! a command into the dead one and failing a request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, ConnectionAddr, ProtocolVersion, RedisConnectionInfo, RedisError,
    RedisResult,
};

#[derive(Clone)]
pub struct Link {
    connection: MultiplexedConnection,
    alive: Arc<AtomicBool>,
}

impl Link {
    /// Connects (bounded by `timeout`: the connection's response timeout bounds the login too),
    /// authenticates and selects the database the URL names.
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
        // On RESP2 (the default) edge-host logs in by commands of its own: the redis crate's
        // setup answers a refused login with a bare "Password authentication failed", dropping
        // the server's reason (WRONGPASS, NOAUTH, ...). RESP3 logs in inside HELLO, left to it.
        let settings = info.redis_settings();
        let log_in_ourselves = settings.protocol() == ProtocolVersion::RESP2;
        let setup_settings = if log_in_ourselves {
            RedisConnectionInfo::default()
        } else {
            settings.clone()
        };
        let setup = MultiplexedConnection::new_with_config(&setup_settings, stream, config);
        let (connection, driver) = tokio::time::timeout(timeout, setup)
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        let alive = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&alive);
        tokio::spawn(async move {
            driver.await;
            flag.store(false, Ordering::Release);
        });
        let link = Link { connection, alive };
        if log_in_ourselves {
            link.log_in(settings).await?;
        }
        Ok(link)
    }

    /// `AUTH` and `SELECT` as the URL asks; a refusal is the server's own error.
    async fn log_in(&self, settings: &RedisConnectionInfo) -> RedisResult<()> {
        let mut conn = self.connection();
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = settings.username() {
                auth.arg(user);
            }
            auth.arg(password).query_async::<()>(&mut conn).await?;
        }
        if settings.db() != 0 {
            redis::cmd("SELECT")
                .arg(settings.db())
                .query_async::<()>(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// False once the server (or the network) closed the connection.
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    /// Whether `other` is this same connection (a clone of it), not another one to the server.
    pub fn same_as(&self, other: &Link) -> bool {
        Arc::ptr_eq(&self.alive, &other.alive)
    }

    /// A handle for one command (a cheap clone of the multiplexed connection).
    pub fn connection(&self) -> MultiplexedConnection {
        self.connection.clone()
    }
}
