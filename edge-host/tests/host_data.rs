//! SQLite (state on disk, per-component labels) and MQTT (a real mosquitto broker) through the
//! probe fixture.

mod support;

use support::edge_host::{EdgeHost, Launch};
use support::mosquitto::Mosquitto;
use support::{app_dir, fixtures, simple_manifest};

fn probe_app(component_extra: &str) -> tempfile::TempDir {
    app_dir(
        &fixtures::component("probe", false),
        &simple_manifest("", component_extra),
    )
}

#[test]
fn sqlite_default_database_survives_a_restart_in_the_state_dir() {
    let app = probe_app(r#"sqlite_databases = ["default"]"#);
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join("not-yet-created");
    let launch = || {
        Launch::new(&app.path().join("spin.toml"))
            .arg("--state-dir")
            .arg(state_dir.to_str().expect("utf-8 temp path"))
    };

    let mut host = EdgeHost::start(launch());
    assert_eq!(
        host.get("/sqlite-put?db=default&text=first").text(),
        "ok rowid=1 changes=1"
    );
    let rows = host.get("/sqlite-get?db=default").text();
    assert!(
        rows.starts_with(r#"ok ["k", "t", "r", "b", "n"]"#),
        "{rows}"
    );
    for expected in [
        "Integer(1)",
        r#"Text("first")"#,
        "Real(1.5)",
        "Blob([0, 1, 255])",
        "Null",
    ] {
        assert!(rows.contains(expected), "{expected} missing from {rows}");
    }
    assert!(host.terminate(), "clean exit:\n{}", host.stderr());
    assert!(state_dir.join("sqlite_db.db").is_file());
    assert!(
        !app.path().join(".spin").exists(),
        "--state-dir replaces the default"
    );

    let host = EdgeHost::start(launch());
    assert_eq!(
        host.get("/sqlite-put?db=default&text=second").text(),
        "ok rowid=2 changes=1"
    );
    let rows = host.get("/sqlite-get?db=default").text();
    assert!(
        rows.contains(r#"Text("first")"#) && rows.contains(r#"Text("second")"#),
        "{rows}"
    );
}

#[test]
fn sqlite_labels_are_checked_against_the_manifest_and_the_runtime_config() {
    let app = probe_app(r#"sqlite_databases = ["default", "reports"]"#);
    let manifest = app.path().join("spin.toml");
    let stderr = EdgeHost::try_start(Launch::new(&manifest))
        .err()
        .expect("a database nobody defined is refused at load");
    assert!(
        stderr.contains("SQLite database \"reports\", which is not defined")
            && stderr.contains("[sqlite_database.reports]"),
        "{stderr}"
    );

    let config = app.path().join("runtime-config.toml");
    std::fs::write(&config, "[sqlite_database.reports]\ntype = \"spin\"\n").expect("write");
    let host = EdgeHost::start(
        Launch::new(&manifest)
            .arg("--runtime-config-file")
            .arg(&config.to_string_lossy()),
    );
    let denied = host.get("/sqlite-put?db=secrets&text=x").text();
    assert_eq!(denied, "error Error::AccessDenied");
    let in_memory = host.get("/sqlite-put?db=reports&text=x").text();
    assert!(in_memory.starts_with("ok "), "{in_memory}");

    // Without --state-dir the default database lives in .spin beside the manifest.
    let put = host.get("/sqlite-put?db=default&text=x").text();
    assert!(put.starts_with("ok "), "{put}");
    assert!(app.path().join(".spin").join("sqlite_db.db").is_file());
}

#[test]
fn sqlite_statement_of_a_timed_out_request_stops_and_frees_the_database() {
    let app = probe_app(r#"sqlite_databases = ["default"]"#);
    let host = EdgeHost::start(
        Launch::new(&app.path().join("spin.toml"))
            .arg("--request-timeout-ms")
            .arg("1000"),
    );
    assert_eq!(host.get("/sqlite-slow?db=default").status, 504);
    // The shared connection is free again: without the interrupt the statement would hold it
    // for minutes and this request would time out too.
    let put = host.get("/sqlite-put?db=default&text=after");
    assert_eq!(put.text(), "ok rowid=1 changes=1");
}

#[test]
fn sqlite_without_a_manifest_grant_is_denied() {
    let app = probe_app("");
    let host = EdgeHost::start(Launch::new(&app.path().join("spin.toml")));
    let denied = host.get("/sqlite-get?db=default").text();
    assert_eq!(denied, "error Error::AccessDenied");
    assert!(!app.path().join(".spin").exists(), "nothing opened");
}

#[test]
fn mqtt_publish_reaches_a_subscriber_and_hosts_are_enforced() {
    let broker = Mosquitto::start();
    let app = probe_app(&format!(
        r#"allowed_outbound_hosts = ["mqtt://127.0.0.1:{}"]"#,
        broker.port
    ));
    let host = EdgeHost::start(Launch::new(&app.path().join("spin.toml")));

    let subscriber = broker.subscribe_one("edge/probe");
    let published = host
        .get(&format!(
            "/mqtt?addr={}&topic=edge/probe&msg=Eureka!",
            broker.address("probe-1")
        ))
        .text();
    assert_eq!(published, "ok published", "broker log:\n{}", broker.log());
    assert_eq!(subscriber.message().as_deref(), Some("Eureka!"));
    let log = broker.log();
    assert!(log.contains("Received PUBLISH from probe-1"), "{log}");
    assert!(log.contains("Sending PUBACK to probe-1"), "{log}");

    // Another port on the same host is not in allowed_outbound_hosts.
    let other = support::free_port();
    let denied = host
        .get(&format!(
            "/mqtt?addr=mqtt://127.0.0.1:{other}?client_id%3Dx&topic=t&msg=m"
        ))
        .text();
    assert_eq!(
        denied,
        format!(
            r#"error Error::ConnectionFailed("address mqtt://127.0.0.1:{other} is not permitted")"#
        )
    );
    // Each request may hold a bounded number of broker connections.
    let many = host
        .get(&format!("/mqtt-many?addr={}&n=9", broker.address("many")))
        .text();
    assert_eq!(many, "error after 8: Error::TooManyConnections");
    let invalid = host.get("/mqtt?addr=mqtt://127.0.0.1&topic=t&msg=m").text();
    assert_eq!(invalid, "error Error::InvalidAddress", "no client_id");
    let tls = host
        .get(&format!(
            "/mqtt?addr=mqtts://127.0.0.1:{}?client_id%3Dx&topic=t&msg=m",
            broker.port
        ))
        .text();
    assert!(
        tls.starts_with(r#"error Error::ConnectionFailed("mqtts:// (TLS) is not supported"#),
        "{tls}"
    );
}

#[test]
fn mqtt_broker_that_is_down_is_a_connection_error() {
    let port = support::free_port();
    let app = probe_app(&format!(
        r#"allowed_outbound_hosts = ["mqtt://127.0.0.1:{port}"]"#
    ));
    let host = EdgeHost::start(Launch::new(&app.path().join("spin.toml")));
    let started = std::time::Instant::now();
    let down = host
        .get(&format!(
            "/mqtt?addr=mqtt://127.0.0.1:{port}?client_id%3Dx&topic=t&msg=m"
        ))
        .text();
    assert!(down.starts_with("error Error::ConnectionFailed("), "{down}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
