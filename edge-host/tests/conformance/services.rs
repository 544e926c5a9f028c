//! The services a test's preconditions name, each started once on 127.0.0.1 and shared by every
//! test that needs it. `%{port=N}` in a test names the service by its usual port: 6379 Redis,
//! 5432 Postgres, 80 the HTTP echo, 7 the TCP echo, 1883 the MQTT broker.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

use crate::support::mosquitto::Mosquitto;
use crate::support::postgres::PgServer;
use crate::support::redis::RedisServer;

/// Everything started so far, with the logical port each one answers for.
#[derive(Default)]
pub struct Services {
    ports: BTreeMap<u16, u16>,
    redis: Option<RedisServer>,
    postgres: Option<PgServer>,
    mqtt: Option<Mosquitto>,
}

impl Services {
    /// The real port behind `%{port=logical}`.
    pub fn port(&self, logical: u16) -> Option<u16> {
        self.ports.get(&logical).copied()
    }

    /// Starts what `kind` needs unless it runs already. Kinds that need nothing outside edge-host
    /// (`key-value-store`, `sqlite`) are accepted as they are.
    pub fn ensure(&mut self, kind: &str, init_sql: &Path) -> Result<(), String> {
        match kind {
            "redis" if self.redis.is_none() => {
                let redis = RedisServer::start();
                self.ports.insert(6379, redis.port);
                self.redis = Some(redis);
            }
            "postgres" if self.postgres.is_none() => {
                let pg = start_postgres(init_sql)?;
                self.ports.insert(5432, pg.port);
                self.postgres = Some(pg);
            }
            "http-echo" if !self.ports.contains_key(&80) => {
                self.ports.insert(80, http_echo()?);
            }
            "tcp-echo" if !self.ports.contains_key(&7) => {
                self.ports.insert(7, tcp_echo()?);
            }
            "mqtt" if self.mqtt.is_none() => {
                let broker = Mosquitto::start_with_users(&[("user", "password")]);
                self.ports.insert(1883, broker.port);
                self.mqtt = Some(broker);
            }
            "redis" | "postgres" | "http-echo" | "tcp-echo" | "mqtt" => {}
            "key-value-store" | "sqlite" => {}
            other => return Err(format!("unknown precondition kind {other:?}")),
        }
        Ok(())
    }
}

/// A cluster with the suite's database: `spin_dev`, the init SQL, and the password the tests'
/// connection strings use for `postgres`.
fn start_postgres(init_sql: &Path) -> Result<PgServer, String> {
    let pg = PgServer::start();
    pg.psql("postgres", "CREATE DATABASE spin_dev");
    let mut files: Vec<_> = std::fs::read_dir(init_sql)
        .map_err(|e| format!("{}: {e}", init_sql.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    for file in &files {
        pg.apply_file("spin_dev", file);
    }
    // Last: every psql call above authenticates with the harness's own password.
    pg.psql("postgres", "ALTER USER postgres PASSWORD 'postgres'");
    Ok(pg)
}

/// Answers every request with 200 and the request's body (`text/plain`), as the suite's echo does.
fn http_echo() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, hyper::service::service_fn(echo_body))
                        .await;
                });
            }
        });
    });
    Ok(port)
}

async fn echo_body(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, hyper::Error> {
    use http_body_util::BodyExt;
    let body = req.into_body().collect().await?.to_bytes();
    let mut response = hyper::Response::new(http_body_util::Full::new(body));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain"),
    );
    Ok(response)
}

/// Echoes every byte back on each connection.
fn tcp_echo() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().filter_map(Result::ok) {
            std::thread::spawn(move || echo(stream));
        }
    });
    Ok(port)
}

fn echo(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 || stream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}
