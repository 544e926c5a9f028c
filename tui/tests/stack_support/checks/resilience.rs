//! Behaviour over time: nginx without the app, several replicas sharing the traffic, and data
//! surviving `down` but not `down --volumes`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::stack_support::checks::web;
use test_support::engine;
use test_support::http::Http;
use test_support::stack::Stack;

/// nginx's start time and restart count, to prove it was never restarted.
fn nginx_identity(stack: &Stack) -> (String, String, i64) {
    let nginx = stack.service("nginx");
    assert_eq!(nginx.len(), 1, "one nginx container");
    let state = nginx[0].state.clone().unwrap_or_default();
    (
        nginx[0].id.clone().unwrap_or_default(),
        state.started_at.unwrap_or_default(),
        nginx[0].restart_count.unwrap_or(-1),
    )
}

/// With the app stopped nginx still answers /health and fails / fast (502/503 within 2 s);
/// started again, / is 200 within 15 s and nginx was never restarted.
pub fn app_outage(stack: &Stack, http: &Http) {
    let before = nginx_identity(stack);
    stack.compose_ok(&["stop", "app"]);

    let health = http
        .get(&stack.site_url("/health"))
        .expect("GET /health without app");
    assert_eq!(health.status, 200, "/health without the app: {health:?}");

    // The demanded bound: a dead app must fail fast, not hang (generous: nginx connects in 1 s).
    let started = Instant::now();
    let reply = http.get(&stack.site_url("/")).expect("GET / without app");
    let took = started.elapsed();
    assert!(
        reply.status == 502 || reply.status == 503,
        "GET / with the app stopped: {reply:?}"
    );
    assert!(
        took < Duration::from_secs(2),
        "GET / with the app stopped took {took:?}"
    );
    web::assert_security_headers(&reply, stack.profile.tls(), "GET / without app (502)");

    stack.compose_ok(&["start", "app"]);
    let restarted = Instant::now();
    loop {
        match http.get(&stack.site_url("/")) {
            Ok(reply) if reply.status == 200 => break,
            outcome => assert!(
                restarted.elapsed() < Duration::from_secs(15),
                "GET / not 200 within 15 s of starting the app: {outcome:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        nginx_identity(stack),
        before,
        "nginx was not restarted or recreated"
    );
    stack.wait_all_healthy(Instant::now(), Duration::from_secs(60));
}

/// Every app replica answers some of the requests sent through nginx.
pub fn replicas_serve(stack: &Stack, http: &Http) {
    let expected: BTreeSet<String> = stack
        .service("app")
        .iter()
        .filter_map(|c| c.config.as_ref()?.hostname.clone())
        .collect();
    assert_eq!(
        expected.len(),
        stack.profile.app_replicas(),
        "app replicas running"
    );
    let mut seen = BTreeSet::new();
    let started = Instant::now();
    while seen != expected && started.elapsed() < Duration::from_secs(20) {
        let reply = http.get(&stack.site_url("/")).expect("GET /");
        assert_eq!(reply.status, 200, "GET /: {reply:?}");
        if let Some(instance) = reply.json()["instance"].as_str() {
            seen.insert(instance.to_owned());
        }
        std::thread::sleep(Duration::from_millis(60));
    }
    assert_eq!(seen, expected, "instances that answered vs app containers");
}

/// Items survive `down` + `up`, and are gone after `down --volumes` + `up`.
pub fn persistence(stack: &Stack, http: &Http) {
    let id = web::create_item(stack, http, "survives-restarts");
    let url = stack.site_url(&format!("/api/items/{id}"));

    stack.compose_ok(&["down", "--timeout", "10"]);
    restart(stack);
    let kept = http.get(&url).expect("GET item after down/up");
    assert_eq!(kept.status, 200, "item kept across down/up: {kept:?}");
    assert_eq!(kept.json()["name"], "survives-restarts");

    stack.compose_ok(&["down", "--volumes", "--timeout", "10"]);
    restart(stack);
    let gone = http.get(&url).expect("GET item after down --volumes/up");
    assert_eq!(gone.status, 404, "item gone after down --volumes: {gone:?}");
}

fn restart(stack: &Stack) {
    let started = Instant::now();
    stack.compose_ok(&["up", "--detach", "--no-build"]);
    stack.wait_all_healthy(started, Duration::from_secs(60));
    let names: Vec<String> = stack
        .containers()
        .iter()
        .map(|c| engine::name(c).to_owned())
        .collect();
    assert_eq!(
        names.len(),
        stack.expected_containers(),
        "containers after up: {names:?}"
    );
}

/// Spin's key-value store is shared by the replicas (edge-host's runtime config puts it on
/// Redis): the mood one replica keeps is the one every other replica reads. Each replica is
/// asked directly on its container address, so nginx's balancing cannot hide a per-replica store.
pub fn key_value_shared(stack: &Stack, http: &Http) {
    let replicas: Vec<(String, std::net::IpAddr)> = stack
        .service("app")
        .iter()
        .filter_map(|app| {
            let ip = app
                .network_settings
                .as_ref()?
                .networks
                .as_ref()?
                .values()
                .find_map(|endpoint| endpoint.ip_address.as_deref()?.parse().ok())?;
            Some((engine::name(app).to_owned(), ip))
        })
        .collect();
    assert!(replicas.len() >= 2, "two replicas to compare: {replicas:?}");
    let url = |ip: &std::net::IpAddr, path: &str| format!("http://{ip}:3000{path}");

    let (writer, writer_ip) = &replicas[0];
    let kept = http
        .send(
            "POST",
            &url(writer_ip, "/api/mood/refresh"),
            "text/plain",
            b"",
        )
        .expect("POST /api/mood/refresh on one replica");
    assert_eq!(kept.status, 200, "{writer}: {kept:?}");
    let mood = kept.json()["mood"].clone();
    for (reader, ip) in &replicas[1..] {
        let last = http
            .get(&url(ip, "/api/mood/last"))
            .expect("GET /api/mood/last on another replica");
        assert_eq!(last.status, 200, "{reader}: {last:?}");
        assert_eq!(
            (last.json()["mood"].clone(), last.json()["source"].clone()),
            (mood.clone(), serde_json::json!("key-value")),
            "{reader} reads the mood {writer} kept"
        );
    }
}
