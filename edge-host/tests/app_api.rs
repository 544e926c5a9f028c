//! edge-app's HTTP API end to end: the real component and its unchanged `spin.toml`, served by
//! edge-host, against a real redis-server and PostgreSQL 15 started by each test.

mod support;

use serde_json::json;
use support::edge_app::{self, assert_problem, send_json};
use support::edge_host::EdgeHost;
use support::postgres::PgServer;
use support::redis::RedisServer;

/// Owns the servers for one test; fields drop in order (edge-host first).
struct Stack {
    host: EdgeHost,
    pg: PgServer,
    _redis: RedisServer,
}

fn stack() -> Stack {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let host = edge_app::start(&redis, &pg);
    Stack {
        host,
        pg,
        _redis: redis,
    }
}

fn item_id(location_or_body: &serde_json::Value) -> i64 {
    location_or_body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("item without integer id: {location_or_body}"))
}

#[test]
fn greeting_counts_visits_and_health_endpoints_answer() {
    let stack = stack();
    let host = &stack.host;

    let first = host.get("/");
    assert_eq!(first.status, 200, "{}", first.text());
    assert!(
        first
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json"))
    );
    let first = first.json();
    let second = host.get("/").json();
    let visits = first["visits"].as_i64().expect("visits is a number");
    assert_eq!(second["visits"].as_i64(), Some(visits + 1), "{second}");
    assert_eq!(first["instance"], "e2e-instance-1", "{first}");
    assert_eq!(first["profile"], "e2e", "{first}");
    assert_eq!(first["message"], "Hello from edge-app", "{first}");
    assert_eq!(first["cache"], "ok", "{first}");
    assert_eq!(first["database"], "ok", "{first}");
    assert!(first["version"].is_string(), "{first}");

    let health = host.get("/health");
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({"status": "ok"}));

    let ready = host.get("/health/ready");
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(
        ready.json(),
        json!({"status": "ready", "checks": {"redis": "ok", "postgres": "ok"}})
    );

    let detailed = host.get("/health/detailed");
    assert_eq!(detailed.status, 200);
    let detailed = detailed.json();
    assert_eq!(detailed["status"], "ok", "{detailed}");
    for dependency in ["redis", "postgres"] {
        let entry = &detailed["dependencies"][dependency];
        assert_eq!(entry["status"], "ok", "{detailed}");
        assert!(entry["latency_ms"].is_number(), "{detailed}");
    }
}

#[test]
fn items_crud_with_read_through_cache_and_invalidation() {
    let stack = stack();
    let host = &stack.host;

    let created = send_json(
        host,
        "POST",
        "/api/items",
        &json!({"name": "Widget", "description": "a small thing"}),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    let id = item_id(&body);
    let path = format!("/api/items/{id}");
    assert_eq!(created.header("location"), Some(path.as_str()));
    assert_eq!(body["name"], "Widget");
    assert_eq!(body["description"], "a small thing");
    assert!(
        body["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );

    let miss = host.get(&path);
    assert_eq!(miss.status, 200);
    assert_eq!(miss.header("x-cache"), Some("miss"));
    assert_eq!(miss.json(), body);
    let hit = host.get(&path);
    assert_eq!(hit.header("x-cache"), Some("hit"));
    assert_eq!(hit.json(), body);

    // PUT replaces the item (absent description becomes null) and drops the cache entry.
    let updated = send_json(host, "PUT", &path, &json!({"name": "Gadget"}));
    assert_eq!(updated.status, 200, "{}", updated.text());
    assert_eq!(updated.json()["description"], serde_json::Value::Null);
    let after_put = host.get(&path);
    assert_eq!(after_put.header("x-cache"), Some("miss"));
    assert_eq!(after_put.json()["name"], "Gadget");
    assert_eq!(host.get(&path).header("x-cache"), Some("hit"));

    // A fetched item can be PUT back unchanged (id and timestamps are accepted and ignored).
    let round_trip = send_json(host, "PUT", &path, &after_put.json());
    assert_eq!(round_trip.status, 200, "{}", round_trip.text());

    let deleted = host.request("DELETE", &path, &[], b"");
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert_problem(&host.get(&path), 404, "not-found");
    assert_problem(&host.request("DELETE", &path, &[], b""), 404, "not-found");
    assert_problem(
        &send_json(host, "PUT", &path, &json!({"name": "ghost"})),
        404,
        "not-found",
    );
    assert_problem(&host.get("/api/items/999999999"), 404, "not-found");
}

#[test]
fn listing_paginates_caps_per_page_and_searches_case_insensitively() {
    let stack = stack();
    let host = &stack.host;
    stack.pg.psql(
        "app",
        "INSERT INTO items (name) SELECT 'filler ' || g FROM generate_series(1, 105) g",
    );
    for name in [
        "Apple pie",
        "green APPLE",
        "Pineapple",
        "100% juice",
        "under_score",
    ] {
        let created = send_json(host, "POST", "/api/items", &json!({"name": name}));
        assert_eq!(created.status, 201, "{}", created.text());
    }
    let total = 110;

    let page = host.get("/api/items");
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.json();
    assert_eq!(page["total"], total, "{page}");
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 20);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(20));

    let capped = host.get("/api/items?per_page=500").json();
    assert_eq!(capped["per_page"], 100, "{capped}");
    assert_eq!(capped["items"].as_array().map(Vec::len), Some(100));
    assert_eq!(capped["total_pages"], 2, "{capped}");
    let ids: Vec<i64> = capped["items"]
        .as_array()
        .expect("items array")
        .iter()
        .map(item_id)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "not ordered by id");

    let second = host.get("/api/items?page=3&per_page=50").json();
    assert_eq!(
        second["items"].as_array().map(Vec::len),
        Some(10),
        "{second}"
    );
    let past_end = host.get("/api/items?page=99&per_page=50").json();
    assert_eq!(past_end["items"], json!([]), "{past_end}");
    assert_eq!(past_end["total"], total);

    let names = |query: &str| -> Vec<String> {
        let found = host.get(&format!("/api/items?q={query}"));
        assert_eq!(found.status, 200, "{}", found.text());
        let found = found.json();
        found["items"]
            .as_array()
            .expect("items array")
            .iter()
            .map(|i| i["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(names("aPpLe"), ["Apple pie", "green APPLE", "Pineapple"]);
    // `%` and `_` are literal, not LIKE wildcards.
    assert_eq!(names("%25"), ["100% juice"]);
    assert_eq!(names("_"), ["under_score"]);
    assert!(names("nothing-like-this").is_empty());

    for bad in ["page=0", "per_page=0", "page=abc", "per_page=-1"] {
        let response = host.get(&format!("/api/items?{bad}"));
        let problem = assert_problem(&response, 400, "invalid-parameter");
        assert!(problem["field"].is_string(), "{bad}: {problem}");
    }
}

#[test]
fn bad_input_gets_the_right_4xx_problem_never_a_5xx() {
    let stack = stack();
    let host = &stack.host;
    let json_type = [("content-type", "application/json")];
    let post =
        |headers: &[(&str, &str)], body: &[u8]| host.request("POST", "/api/items", headers, body);

    assert_problem(&post(&json_type, b"{\"name\": "), 400, "malformed-json");
    assert_problem(&post(&json_type, b"\xff\xfe"), 400, "malformed-json");
    assert_problem(
        &post(&[], b"{\"name\":\"x\"}"),
        415,
        "unsupported-media-type",
    );
    assert_problem(
        &post(&[("content-type", "text/plain")], b"{\"name\":\"x\"}"),
        415,
        "unsupported-media-type",
    );
    let oversized = format!("{{\"name\":\"{}\"}}", "a".repeat(70 * 1024));
    assert_problem(
        &post(&json_type, oversized.as_bytes()),
        413,
        "body-too-large",
    );

    let invalid = [
        (json!({}), "name"),
        (json!({"description": "no name"}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "   "}), "name"),
        (json!({"name": 42}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"name": "bell\u{7}"}), "name"),
        (
            json!({"name": "ok", "description": "d".repeat(2001)}),
            "description",
        ),
        (json!({"name": "ok", "color": "red"}), "color"),
        (json!(["name"]), "body"),
    ];
    for (body, field) in invalid {
        let response = send_json(host, "POST", "/api/items", &body);
        let problem = assert_problem(&response, 422, "validation-failed");
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }

    for id in ["abc", "0", "-1", "1.5", "99999999999999999999999"] {
        let response = host.get(&format!("/api/items/{id}"));
        assert_problem(&response, 400, "invalid-parameter");
    }

    for (method, path) in [
        ("DELETE", "/api/items"),
        ("PATCH", "/api/items/1"),
        ("POST", "/health"),
    ] {
        let response = host.request(method, path, &[], b"");
        assert_problem(&response, 405, "method-not-allowed");
        let allow = response.header("allow").unwrap_or_default();
        assert!(allow.contains("GET"), "{method} {path}: Allow {allow:?}");
    }
    assert_problem(&host.get("/no/such/path"), 404, "not-found");
}

#[test]
fn sql_metacharacters_are_stored_and_returned_literally() {
    let stack = stack();
    let host = &stack.host;
    let name = "Robert'); DROP TABLE items;-- \"%_\\";
    let description = "$1 ' '' \\x00 ; SELECT pg_sleep(10); /* */ E'\\n'";
    let created = send_json(
        host,
        "POST",
        "/api/items",
        &json!({"name": name, "description": description}),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let id = item_id(&created.json());
    let fetched = host.get(&format!("/api/items/{id}")).json();
    assert_eq!(fetched["name"], name);
    assert_eq!(fetched["description"], description);
    let stored = stack
        .pg
        .psql("app", &format!("SELECT name FROM items WHERE id = {id}"));
    assert_eq!(stored.trim_end_matches('\n'), name);
    let found = host.get("/api/items?q=%27)%3B%20DROP").json();
    assert_eq!(found["total"], 1, "{found}");
}

#[test]
fn mood_is_kept_for_the_day_and_refresh_changes_it() {
    let stack = stack();
    let host = &stack.host;
    let first = host.get("/api/mood");
    assert_eq!(first.status, 200, "{}", first.text());
    let first_body = first.json();
    for field in [
        "date",
        "mood",
        "line",
        "source",
        "expires_at",
        "ttl_seconds",
        "stale",
    ] {
        assert!(!first_body[field].is_null(), "no {field}: {first_body}");
    }
    assert_eq!(first_body["stale"], false);
    let again = host.get("/api/mood");
    assert_eq!(again.header("x-cache"), Some("hit"));
    assert_eq!(again.json()["mood"], first_body["mood"]);

    let refreshed = host.request("POST", "/api/mood/refresh", &[], b"ignored");
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    let refreshed = refreshed.json();
    assert_eq!(refreshed["source"], "refreshed");
    assert_ne!(refreshed["mood"], first_body["mood"], "{refreshed}");
    assert_eq!(host.get("/api/mood").json()["mood"], refreshed["mood"]);
}

/// Even at `EDGE_HOST_LOG=debug` the log never holds a statement's parameter values (the item's
/// name here); the debug log itself is on (edge-host's own debug lines appear).
#[test]
fn debug_logs_hold_no_sql_parameter_values() {
    let redis = RedisServer::start();
    let pg = PgServer::start();
    let host = EdgeHost::start(edge_app::launch(redis.port, pg.port).env("EDGE_HOST_LOG", "debug"));
    let sentinel = "parameter-sentinel-5f2a";
    let created = send_json(&host, "POST", "/api/items", &json!({"name": sentinel}));
    assert_eq!(created.status, 201, "{}", created.text());
    let stderr = host.stderr();
    assert!(stderr.contains("DEBUG"), "the debug log is on: {stderr}");
    assert!(
        !stderr.contains(sentinel),
        "a parameter value reached the log:\n{stderr}"
    );
}
