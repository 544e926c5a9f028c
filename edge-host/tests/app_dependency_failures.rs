//! How edge-app through edge-host fails when a dependency misbehaves without being down: a
//! connection that breaks mid-command, a full connection pool, a refused login, a debug log.
//! Real Redis and Postgres on 127.0.0.1; a relay in front of Redis loses replies on demand.

mod support;

use std::time::Duration;

use serde_json::json;
use support::edge_app::{self, assert_problem, send_json};
use support::edge_host::EdgeHost;
use support::postgres::PgServer;
use support::redis::RedisServer;
use support::relay::Relay;
use support::wait_until;
use test_support::http::wire;

fn create_item(host: &EdgeHost, name: &str) -> String {
    let created = send_json(host, "POST", "/api/items", &json!({"name": name}));
    assert_eq!(created.status, 201, "{}", created.text());
    created
        .header("location")
        .expect("201 carries a Location")
        .to_string()
}

/// `edge_host_outbound_errors_total{kind="redis",error=<error>}`, 0 when absent.
fn redis_errors(host: &EdgeHost, error: &str) -> u64 {
    let label = format!(r#"kind="redis",error="{error}""#);
    host.admin("GET", "/metrics")
        .text()
        .lines()
        .filter(|line| line.starts_with("edge_host_outbound_errors_total") && line.contains(&label))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// A command whose connection broke after the server ran it is sent again only when running it
/// twice is harmless: the cached item's GET is, so the request is served from the cache; the
/// visit counter's INCR is not, so that request reports the cache unavailable and the counter
/// moves by exactly the one INCR the server ran.
#[test]
fn a_lost_redis_reply_is_resent_only_for_idempotent_commands() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let relay = Relay::start(redis.port);
    let host = EdgeHost::start(edge_app::launch(relay.port, pg.port));
    let item = create_item(&host, "behind a flaky link");
    assert_eq!(host.get(&item).header("x-cache"), Some("miss"));
    assert_eq!(host.get(&item).header("x-cache"), Some("hit"));

    assert!(
        relay.lose_next_reply() >= 1,
        "edge-host holds a Redis connection"
    );
    let cached = host.get(&item);
    assert_eq!(cached.status, 200, "{}", cached.text());
    assert_eq!(
        cached.header("x-cache"),
        Some("hit"),
        "the GET whose reply was lost is sent again on a new connection"
    );
    assert_eq!(redis_errors(&host, "retried"), 1);

    let before = host.get("/").json()["visits"]
        .as_i64()
        .expect("visits counted");
    relay.lose_next_reply();
    let lost = host.get("/");
    assert_eq!(lost.status, 200, "{}", lost.text());
    let lost = lost.json();
    assert_eq!(lost["visits"], serde_json::Value::Null, "{lost}");
    assert_eq!(lost["cache"], "unavailable", "{lost}");
    let after = host.get("/").json();
    assert_eq!(
        after["visits"],
        before + 2,
        "the lost INCR ran once on the server and was not sent again: {after}"
    );
    assert_eq!(redis_errors(&host, "retried"), 1, "INCR is never resent");
}

/// Every pooled Postgres connection busy past the pool wait is overload, not an outage: 503
/// `dependency-overloaded` with `Retry-After`, naming the exhausted pool.
#[test]
fn an_exhausted_postgres_pool_is_reported_as_overload_with_retry_after() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let host = EdgeHost::start(
        edge_app::launch(redis.port, pg.port)
            .arg("--pg-pool-size")
            .arg("1")
            // Longer than the test: the one connection stays busy until the lock goes.
            .arg("--query-timeout-ms")
            .arg("60000"),
    );
    create_item(&host, "before the pool fills");

    let mut holder = support::lock_items(&pg);
    // This request takes the pool's only connection and waits on the lock with it.
    let port = host.port;
    let busy = std::thread::spawn(move || wire::get(port, "/api/items"));
    let waiting =
        "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND wait_event_type = 'Lock'";
    assert!(
        wait_until(Duration::from_secs(10), || pg.psql("app", waiting).trim()
            == "1"),
        "the first request never waited on the lock"
    );

    let refused = host.get("/api/items");
    let problem = assert_problem(&refused, 503, "dependency-overloaded");
    assert_eq!(refused.header("retry-after"), Some("1"), "{problem}");
    assert_eq!(problem["dependency"], "postgres", "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("overloaded") && detail.contains("connection pool exhausted"),
        "{problem}"
    );

    pg.psql(
        "postgres",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()",
    );
    let _ = holder.wait();
    let first = busy
        .join()
        .expect("the busy request's thread")
        .expect("the busy request is answered");
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(host.get("/api/items").status, 200);
}

/// A refused Redis login names the server's reason (WRONGPASS) and never the password; the
/// right password logs in (edge-host sends AUTH itself).
#[test]
fn a_refused_redis_login_names_the_reason_and_not_the_password() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let secret = "the-real-secret";
    redis_command(redis.port, &format!("CONFIG SET requirepass {secret}"));
    let right = EdgeHost::start(
        edge_app::launch(redis.port, pg.port).env("SPIN_VARIABLE_REDIS_PASSWORD", secret),
    );
    assert_eq!(
        right.get("/health/ready").status,
        200,
        "{}",
        right.get("/health/ready").text()
    );
    assert!(right.get("/").json()["visits"].is_i64());

    let wrong = "not-the-redis-secret";
    let host = EdgeHost::start(
        edge_app::launch(redis.port, pg.port).env("SPIN_VARIABLE_REDIS_PASSWORD", wrong),
    );
    let problem = assert_problem(&host.get("/health/ready"), 503, "dependency-unavailable");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("WRONGPASS"), "{problem}");
    assert!(!detail.contains(wrong), "{problem}");
    assert!(!host.stderr().contains(wrong), "{}", host.stderr());
    assert!(!host.stdout().contains(wrong), "{}", host.stdout());
}

/// A refused Postgres login carries SQLSTATE and message to the client, never the password.
#[test]
fn a_refused_postgres_login_carries_the_sqlstate_and_not_the_password() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let wrong = "not-the-pg-secret";
    let host = EdgeHost::start(
        edge_app::launch(redis.port, pg.port).env("SPIN_VARIABLE_PG_PASSWORD", wrong),
    );
    let problem = assert_problem(&host.get("/api/items"), 503, "dependency-unavailable");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("28P01")
            && detail.contains("password authentication failed for user \"app\""),
        "{problem}"
    );
    assert!(!detail.contains(wrong), "{problem}");
    assert!(!host.stderr().contains(wrong), "{}", host.stderr());
    assert!(!host.stdout().contains(wrong), "{}", host.stdout());
}

/// The cap on tokio-postgres holds against a filter that names its modules: a statement's
/// parameter values still never reach the log, while the rest of the debug log is on.
#[test]
fn no_log_filter_lets_sql_parameter_values_through() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let host = EdgeHost::start(edge_app::launch(redis.port, pg.port).env(
        "EDGE_HOST_LOG",
        "debug,tokio_postgres=trace,tokio_postgres::query=trace,tokio_postgres::prepare=trace",
    ));
    let sentinel = "parameter-sentinel-9c1e";
    create_item(&host, sentinel);
    let stderr = host.stderr();
    assert!(stderr.contains("DEBUG"), "the debug log is on: {stderr}");
    assert!(
        !stderr.contains(sentinel),
        "a parameter value reached the log:\n{stderr}"
    );
}

/// Sends one inline command to Redis and checks it answered `+OK`.
fn redis_command(port: u16, command: &str) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to redis");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    stream
        .write_all(format!("{command}\r\n").as_bytes())
        .expect("send the command");
    let mut reply = [0u8; 5];
    stream.read_exact(&mut reply).expect("redis answers");
    assert_eq!(&reply, b"+OK\r\n", "{command}");
}
