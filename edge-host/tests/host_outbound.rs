//! The Spin host interfaces against real Redis and Postgres, through the probe fixture
//! (built with spin-sdk 5.2.0, so this also checks that such a component links against our WIT).

mod support;

use support::edge_host::{EdgeHost, Launch};
use support::postgres::PgServer;
use support::redis::RedisServer;
use support::{app_dir, fixtures, simple_manifest};

fn encode(text: &str) -> String {
    text.replace(' ', "%20").replace('=', "%3D")
}

fn probe_host(redis: &RedisServer, pg: &PgServer) -> (tempfile::TempDir, EdgeHost) {
    let variables = r#"greeting = { default = "hi" }
pg_port = { required = true }"#;
    let component = format!(
        r#"allowed_outbound_hosts = ["redis://127.0.0.1:{}", "postgres://127.0.0.1:{{{{ pg_port }}}}"]
key_value_stores = ["default"]
[component.app.variables]
greeting = "{{{{ greeting }}}} there""#,
        redis.port
    );
    let dir = app_dir(
        &fixtures::component("probe", false),
        &simple_manifest(variables, &component),
    );
    let host = EdgeHost::start(
        Launch::new(&dir.path().join("spin.toml"))
            .env("SPIN_VARIABLE_PG_PORT", &pg.port.to_string())
            .env("HOSTNAME", "probe-host-1"),
    );
    (dir, host)
}

#[test]
fn spin_interfaces_work_and_outbound_hosts_are_enforced() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let (_dir, host) = probe_host(&redis, &pg);

    // Redis: allowed address works; another port is refused with Spin's variant.
    let ok = host.get(&format!("/redis?addr={}", redis.url())).text();
    assert_eq!(ok, "ok 1");
    let denied = host
        .get(&format!(
            "/redis?addr=redis://127.0.0.1:{}",
            support::free_port()
        ))
        .text();
    assert_eq!(denied, "error Error::InvalidAddress");

    // Postgres: value mapping per Spin (decimal string, jsonb bytes, NULL, date tuple).
    let rows = host
        .get(&format!("/pg?addr={}", encode(&pg.app_address())))
        .text();
    assert!(rows.starts_with("ok "), "{rows}");
    for expected in [
        "Int32(42)",
        "Decimal(\"1.50\")",
        "Jsonb([123, 34, 97, 34, 58, 32, 49, 125])",
        "DbNull",
        "Date((2024, 2, 29))",
        "Str(\"x\")",
    ] {
        assert!(rows.contains(expected), "missing {expected} in {rows}");
    }
    // Structured types sent as parameters come back the same (discrete ranges normalised).
    let types = host
        .get(&format!("/pg-types?addr={}", encode(&pg.app_address())))
        .text();
    assert!(types.starts_with("ok "), "{types}");
    for expected in [
        "RangeInt32((Some((31, RangeBoundKind::Inclusive)), Some((41, RangeBoundKind::Exclusive))))",
        "RangeInt64((Some((-5, RangeBoundKind::Inclusive)), None))",
        "RangeDecimal((None, Some((\"1234.56\", RangeBoundKind::Inclusive))))",
        "Interval(Interval { micros: 1500000, days: 2, months: 14 })",
        "Binary([0, 159, 255])",
        "Uuid(\"fedcba98-fedc-fedc-fedc-fedcba987654\")",
        "Datetime((1999, 7, 12, 4, 3, 2, 1000000))",
        "ArrayInt32([Some(1), None])",
        "RangeInt32((Some((2, RangeBoundKind::Inclusive)), Some((6, RangeBoundKind::Exclusive))))",
        "data-type: DbDataType::RangeInt32",
    ] {
        assert!(types.contains(expected), "missing {expected} in {types}");
    }
    // Structured database error with SQLSTATE.
    let err = host
        .get(&format!("/pg-error?addr={}", encode(&pg.app_address())))
        .text();
    assert!(
        err.contains("DbError") && err.contains("code: \"42P01\""),
        "{err}"
    );
    // Postgres on a port not listed is refused before any connection is made.
    let other = pg.app_address().replace(&pg.port.to_string(), "1");
    let refused = host.get(&format!("/pg?addr={}", encode(&other))).text();
    assert!(
        refused.contains("ConnectionFailed(\"address postgres://127.0.0.1:1 is not permitted\")"),
        "{refused}"
    );

    // Variables, key-value and the HOSTNAME passed into the guest.
    assert_eq!(host.get("/var?name=greeting").text(), "ok hi there");
    assert!(host.get("/var?name=nope").text().contains("Undefined"));
    assert_eq!(host.get("/kv").text(), "ok v1");
    assert_eq!(host.get("/env").text(), "ok probe-host-1");

    let metrics = host.admin("GET", "/metrics").text();
    assert!(
        metrics.contains("edge_host_outbound_calls_total{kind=\"redis\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("edge_host_outbound_errors_total{kind=\"redis\",error=\"not_allowed\"} 1"),
        "{metrics}"
    );
}

#[test]
fn spin_headers_reach_the_guest() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let (_dir, host) = probe_host(&redis, &pg);
    let text = host
        .request(
            "GET",
            "/headers?q=1",
            &[("spin-path-info", "/spoofed")],
            b"",
        )
        .text();
    assert!(text.contains("spin-path-info=/headers"), "{text}");
    assert!(text.contains("spin-matched-route=/..."), "{text}");
    assert!(text.contains("spin-full-url=http://127.0.0.1:"), "{text}");
    assert!(text.contains("spin-client-addr=127.0.0.1:"), "{text}");
    assert!(!text.contains("/spoofed"), "{text}");
}

#[test]
fn dead_dependencies_fail_fast_and_recover_without_restart() {
    let mut redis = RedisServer::start();
    let mut pg = PgServer::start();
    let (_dir, host) = probe_host(&redis, &pg);
    let pg_path = format!("/pg?addr={}", encode(&pg.app_address()));
    let redis_path = format!("/redis?addr={}", redis.url());
    assert!(host.get(&redis_path).text().starts_with("ok"));
    assert!(host.get(&pg_path).text().starts_with("ok"));

    redis.stop();
    pg.stop();
    let started = std::time::Instant::now();
    assert!(host.get(&redis_path).text().starts_with("error"));
    assert!(host.get(&pg_path).text().starts_with("error"));
    // Generous bound (the outbound bound is 500 ms each): a dead dependency must not hang requests.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    redis.resume();
    pg.resume();
    let recovered = support::wait_until(std::time::Duration::from_secs(10), || {
        host.get(&redis_path).text().starts_with("ok")
            && host.get(&pg_path).text().starts_with("ok")
    });
    assert!(
        recovered,
        "redis: {} pg: {}",
        host.get(&redis_path).text(),
        host.get(&pg_path).text()
    );
}

/// Two edge-hosts with the same runtime config share the Redis-backed store (as app replicas
/// do); without a runtime config each keeps its own in memory.
#[test]
fn key_value_on_redis_is_shared_between_processes() {
    let redis = RedisServer::start();
    let dir = app_dir(
        &fixtures::component("probe", false),
        &simple_manifest("", "key_value_stores = [\"default\"]"),
    );
    let manifest = dir.path().join("spin.toml");
    let config = support::redis_runtime_config(dir.path(), &redis);
    let with_config = || {
        EdgeHost::start(
            Launch::new(&manifest)
                .arg("--runtime-config-file")
                .arg(&config.to_string_lossy()),
        )
    };
    let (first, second) = (with_config(), with_config());
    assert_eq!(
        first.get("/kv-set?key=shared&value=from-first").text(),
        "ok"
    );
    assert_eq!(second.get("/kv-get?key=shared").text(), "ok from-first");

    // Separate processes without a runtime config: separate in-memory stores.
    let alone = EdgeHost::start(Launch::new(&manifest));
    let other = EdgeHost::start(Launch::new(&manifest));
    assert_eq!(alone.get("/kv-set?key=mine&value=1").text(), "ok");
    assert_eq!(other.get("/kv-get?key=mine").text(), "ok (none)");
}

#[test]
fn undefined_stores_and_bad_runtime_configs_stop_startup_naming_them() {
    let dir = app_dir(
        &fixtures::component("probe", false),
        &simple_manifest("", "key_value_stores = [\"default\", \"sessions\"]"),
    );
    let manifest = dir.path().join("spin.toml");
    let stderr = EdgeHost::try_start(Launch::new(&manifest))
        .err()
        .expect("a store nobody defined is refused");
    assert!(
        stderr.contains("key-value store \"sessions\", which is not defined"),
        "{stderr}"
    );

    let config = dir.path().join("runtime-config.toml");
    std::fs::write(&config, "[key_value_store.sessions]\ntype = \"dynamo\"\n").expect("write");
    let launch = Launch::new(&manifest)
        .arg("--runtime-config-file")
        .arg(&config.to_string_lossy());
    let stderr = EdgeHost::try_start(launch)
        .err()
        .expect("an unknown store type is refused");
    assert!(
        stderr.contains("runtime-config.toml") && stderr.contains("dynamo"),
        "{stderr}"
    );

    std::fs::write(&config, "[key_value_store.sessions]\ntype = \"spin\"\n").expect("write");
    let host = EdgeHost::start(
        Launch::new(&manifest)
            .arg("--runtime-config-file")
            .arg(&config.to_string_lossy()),
    );
    assert_eq!(host.get("/kv").text(), "ok v1");
}

/// The Redis-backed key-value store sends a command again on a fresh connection when the reply
/// to it was lost with its connection (all its commands are reads or plain SETs), so the guest
/// never sees the broken connection.
#[test]
fn key_value_on_redis_resends_a_command_whose_reply_was_lost() {
    let redis = RedisServer::start();
    let relay = support::relay::Relay::start(redis.port);
    let dir = app_dir(
        &fixtures::component("probe", false),
        &simple_manifest("", "key_value_stores = [\"default\"]"),
    );
    let config = dir.path().join("runtime-config.toml");
    std::fs::write(
        &config,
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:{}/1\"\n",
            relay.port
        ),
    )
    .expect("write runtime config");
    let host = EdgeHost::start(
        Launch::new(&dir.path().join("spin.toml"))
            .arg("--runtime-config-file")
            .arg(&config.to_string_lossy()),
    );
    assert_eq!(host.get("/kv-set?key=k&value=first").text(), "ok");

    assert!(relay.lose_next_reply() >= 1, "the store holds a connection");
    assert_eq!(host.get("/kv-get?key=k").text(), "ok first");
    relay.lose_next_reply();
    assert_eq!(host.get("/kv-set?key=k&value=second").text(), "ok");
    assert_eq!(host.get("/kv-get?key=k").text(), "ok second");
}
