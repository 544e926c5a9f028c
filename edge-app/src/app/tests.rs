use serde_json::Value;

use super::*;
use crate::request::Method;
use crate::testing::{FakeCache, FakeClock, FakeItems, FakeKv};

/// 2025-03-10T12:00:00Z: twelve hours to midnight.
const NOON: i64 = 1_741_608_000;

struct Harness {
    settings: Settings,
    cache: FakeCache,
    items: FakeItems,
    kv: FakeKv,
    clock: FakeClock,
    seed: u64,
}

impl Harness {
    fn new() -> Self {
        Self {
            settings: Settings::from_lookup(|name| match name {
                "message" => Some("hi there".to_owned()),
                "profile" => Some("dev".to_owned()),
                "cache_ttl_seconds" => Some("45".to_owned()),
                _ => None,
            }),
            cache: FakeCache::default(),
            items: FakeItems::default(),
            kv: FakeKv::default(),
            clock: FakeClock::at(NOON),
            seed: 0,
        }
    }

    fn send(&mut self, method: Method, target: &str, body: Option<&str>) -> Reply {
        let mut head = RequestHead::new(method, target);
        if body.is_some() {
            head.content_type = Some("application/json".to_owned());
        }
        let mut services = Services {
            settings: &self.settings,
            instance: "test-host",
            cache: &mut self.cache,
            items: &mut self.items,
            kv: &mut self.kv,
            clock: &self.clock,
            seed: self.seed,
        };
        handle(&head, body.unwrap_or("").as_bytes(), &mut services)
    }

    fn get(&mut self, target: &str) -> Reply {
        self.send(Method::Get, target, None)
    }

    fn create(&mut self, name: &str) -> i64 {
        let body = serde_json::json!({ "name": name }).to_string();
        let reply = self.send(Method::Post, "/api/items", Some(&body));
        assert_eq!(reply.status, 201, "create {name}");
        json(&reply)["id"].as_i64().expect("id in created item")
    }
}

fn json(reply: &Reply) -> Value {
    reply.json_body().expect("JSON body")
}

fn assert_problem(reply: &Reply, status: u16) -> Value {
    assert_eq!(
        reply.status,
        status,
        "body: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.header_value("content-type"),
        Some("application/problem+json")
    );
    let body = json(reply);
    assert_eq!(body["status"], status);
    body
}

#[test]
fn index_counts_visits_and_reports_dependencies() {
    let mut h = Harness::new();
    let first = json(&h.get("/"));
    assert_eq!(first["message"], "hi there");
    assert_eq!(first["profile"], "dev");
    assert_eq!(first["instance"], "test-host");
    assert_eq!(first["visits"], 1);
    assert_eq!(first["cache"], "ok");
    assert_eq!(first["database"], "ok");
    assert_eq!(json(&h.get("/"))["visits"], 2);
}

#[test]
fn index_survives_redis_and_postgres_outages() {
    let mut h = Harness::new();
    h.cache.down = true;
    h.items.down = true;
    let reply = h.get("/");
    assert_eq!(reply.status, 200);
    let body = json(&reply);
    assert_eq!(body["visits"], Value::Null);
    assert_eq!(body["cache"], "unavailable");
    assert_eq!(body["database"], "unavailable");
    h.cache.down = false;
    assert_eq!(json(&h.get("/"))["visits"], 1);
}

#[test]
fn health_endpoints() {
    let mut h = Harness::new();
    h.cache.down = true;
    h.items.down = true;
    assert_eq!(json(&h.get("/health"))["status"], "ok");

    let ready = assert_problem(&h.get("/health/ready"), 503);
    assert_eq!(ready["dependency"], "redis");
    assert_eq!(
        ready["dependencies"],
        serde_json::json!(["redis", "postgres"])
    );

    let detailed = h.get("/health/detailed");
    assert_eq!(detailed.status, 200);
    let body = json(&detailed);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["dependencies"]["redis"]["status"], "unavailable");
    assert!(body["dependencies"]["redis"]["error"].is_string());
    assert_eq!(body["dependencies"]["postgres"]["latency_ms"], 0.25);

    h.cache.down = false;
    let ready = assert_problem(&h.get("/health/ready"), 503);
    assert_eq!(ready["dependencies"], serde_json::json!(["postgres"]));
    h.items.down = false;
    let ready = h.get("/health/ready");
    assert_eq!(ready.status, 200);
    assert_eq!(json(&ready)["status"], "ready");
    assert_eq!(json(&h.get("/health/detailed"))["status"], "ok");
}

#[test]
fn items_crud_round_trip() {
    let mut h = Harness::new();
    let created = h.send(
        Method::Post,
        "/api/items",
        Some(r#"{"name":"Kettle","description":"steel"}"#),
    );
    assert_eq!(created.status, 201);
    let id = json(&created)["id"].as_i64().expect("id");
    assert_eq!(
        created.header_value("location"),
        Some(format!("/api/items/{id}").as_str())
    );

    let fetched = json(&h.get(&format!("/api/items/{id}")));
    assert_eq!(fetched["name"], "Kettle");
    assert_eq!(fetched["description"], "steel");
    assert!(fetched["created_at"].is_string() && fetched["updated_at"].is_string());

    let updated = h.send(
        Method::Put,
        &format!("/api/items/{id}"),
        Some(r#"{"name":"Pot"}"#),
    );
    assert_eq!(updated.status, 200);
    assert_eq!(json(&updated)["description"], Value::Null);

    let deleted = h.send(Method::Delete, &format!("/api/items/{id}"), None);
    assert_eq!((deleted.status, deleted.body.len()), (204, 0));
    assert_problem(&h.get(&format!("/api/items/{id}")), 404);
    assert_problem(
        &h.send(Method::Delete, &format!("/api/items/{id}"), None),
        404,
    );
    assert_problem(
        &h.send(Method::Put, "/api/items/999", Some(r#"{"name":"x"}"#)),
        404,
    );
}

#[test]
fn read_through_cache_hit_miss_invalidation_bypass() {
    let mut h = Harness::new();
    let id = h.create("Mug");
    let path = format!("/api/items/{id}");

    assert_eq!(h.get(&path).header_value("x-cache"), Some("miss"));
    assert_eq!(h.cache.ttls.get(&format!("item:{id}")), Some(&45));
    assert_eq!(h.get(&path).header_value("x-cache"), Some("hit"));
    assert_eq!(h.items.reads_by_id, 1, "the hit must not touch Postgres");

    h.send(Method::Put, &path, Some(r#"{"name":"Big mug"}"#));
    let after_update = h.get(&path);
    assert_eq!(after_update.header_value("x-cache"), Some("miss"));
    assert_eq!(json(&after_update)["name"], "Big mug");

    h.cache.down = true;
    let bypass = h.get(&path);
    assert_eq!(
        (bypass.status, bypass.header_value("x-cache")),
        (200, Some("bypass"))
    );
    h.cache.down = false;

    h.send(Method::Delete, &path, None);
    assert!(!h.cache.entries.contains_key(&format!("item:{id}")));

    h.cache
        .entries
        .insert("item:77".into(), b"not json".to_vec());
    let corrupt = h.get("/api/items/77");
    assert_eq!(
        (corrupt.status, corrupt.header_value("x-cache")),
        (404, Some("miss"))
    );
}

#[test]
fn list_paginates_and_searches_case_insensitively() {
    let mut h = Harness::new();
    for name in [
        "Green tea",
        "Black TEA",
        "Coffee",
        "50% off",
        "under_score",
        "Teapot",
    ] {
        h.create(name);
    }
    let page = json(&h.get("/api/items?per_page=4"));
    assert_eq!(
        (page["total"].as_i64(), page["total_pages"].as_i64()),
        (Some(6), Some(2))
    );
    assert_eq!(page["items"].as_array().map(Vec::len), Some(4));
    let second = json(&h.get("/api/items?per_page=4&page=2"));
    assert_eq!(second["items"].as_array().map(Vec::len), Some(2));
    let beyond = json(&h.get("/api/items?page=9"));
    assert_eq!(
        (
            beyond["items"].as_array().map(Vec::len),
            beyond["total"].as_i64()
        ),
        (Some(0), Some(6))
    );

    let search = |h: &mut Harness, q: &str| -> Vec<String> {
        let body = json(&h.get(&format!("/api/items?q={q}")));
        body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(search(&mut h, "tea"), ["Green tea", "Black TEA", "Teapot"]);
    assert_eq!(search(&mut h, "50%25"), ["50% off"]);
    assert_eq!(search(&mut h, "r_s"), ["under_score"]);
    assert_eq!(search(&mut h, "%25"), ["50% off"]);
    assert!(search(&mut h, "_").contains(&"under_score".to_owned()));
    assert_eq!(search(&mut h, "_").len(), 1, "underscore is literal");

    let capped = json(&h.get("/api/items?per_page=1000"));
    assert_eq!(capped["per_page"], 100);
}

#[test]
fn bad_input_gets_4xx_problems() {
    let mut h = Harness::new();
    let cases: Vec<(Method, &str, Option<&str>, u16)> = vec![
        (Method::Post, "/api/items", Some("{not json"), 400),
        (Method::Post, "/api/items", Some(r#"{"name":""}"#), 422),
        (Method::Post, "/api/items", Some(r#"{"nam":"x"}"#), 422),
        (Method::Get, "/api/items?page=zero", None, 400),
        (Method::Get, "/api/items/abc", None, 400),
        (Method::Get, "/missing", None, 404),
        (Method::Other("PATCH".into()), "/api/items/1", None, 405),
    ];
    for (method, target, body, status) in cases {
        assert_problem(&h.send(method, target, body), status);
    }
    let mut head = RequestHead::new(Method::Post, "/api/items");
    head.content_type = Some("application/json".into());
    let oversized = vec![b' '; MAX_BODY_BYTES + 1];
    let mut services = Services {
        settings: &h.settings,
        instance: "t",
        cache: &mut h.cache,
        items: &mut h.items,
        kv: &mut h.kv,
        clock: &h.clock,
        seed: 0,
    };
    assert_problem(&handle(&head, &oversized, &mut services), 413);
}

#[test]
fn sql_metacharacters_are_stored_literally() {
    let mut h = Harness::new();
    let name = r#"Robert'); DROP TABLE items;-- \ % _"#;
    let body = serde_json::json!({ "name": name }).to_string();
    let created = h.send(Method::Post, "/api/items", Some(&body));
    assert_eq!(json(&created)["name"], name);
}

#[test]
fn postgres_down_is_503_naming_it() {
    let mut h = Harness::new();
    h.items.down = true;
    for reply in [
        h.get("/api/items"),
        h.get("/api/items/1"),
        h.send(Method::Post, "/api/items", Some(r#"{"name":"x"}"#)),
        h.send(Method::Delete, "/api/items/1", None),
    ] {
        assert_eq!(assert_problem(&reply, 503)["dependency"], "postgres");
    }
}

#[test]
fn mood_is_cached_until_midnight_and_refresh_replaces_it() {
    let mut h = Harness::new();
    h.seed = 3;
    let first = h.get("/api/mood");
    assert_eq!(first.header_value("x-cache"), Some("miss"));
    let body = json(&first);
    assert_eq!(
        (body["date"].as_str(), body["source"].as_str()),
        (Some("2025-03-10"), Some("new"))
    );
    assert_eq!(body["ttl_seconds"], 43_200);
    assert_eq!(body["expires_at"], "2025-03-11T00:00:00Z");
    assert_eq!(h.cache.ttls.get("mood:2025-03-10"), Some(&43_200));

    h.seed = 7;
    let second = h.get("/api/mood");
    assert_eq!(second.header_value("x-cache"), Some("hit"));
    assert_eq!(json(&second)["mood"], body["mood"], "same mood all day");

    h.seed = 3;
    let refreshed = json(&h.send(Method::Post, "/api/mood/refresh", None));
    assert_eq!(refreshed["source"], "refreshed");
    assert_ne!(refreshed["mood"], body["mood"], "refresh changes the mood");
    assert_eq!(json(&h.get("/api/mood"))["mood"], refreshed["mood"]);
}

#[test]
fn mood_falls_back_to_key_value_when_redis_is_down() {
    let mut h = Harness::new();
    h.cache.down = true;
    assert_eq!(
        assert_problem(&h.get("/api/mood"), 503)["dependency"],
        "redis"
    );
    assert_problem(&h.send(Method::Post, "/api/mood/refresh", None), 503);

    h.cache.down = false;
    let mood = json(&h.get("/api/mood"))["mood"].clone();
    h.cache.down = true;
    let fallback = h.get("/api/mood");
    assert_eq!(fallback.header_value("x-cache"), Some("bypass"));
    let body = json(&fallback);
    assert_eq!(
        (
            body["mood"].clone(),
            body["source"].as_str(),
            body["stale"].as_bool()
        ),
        (mood, Some("key-value"), Some(false))
    );

    h.clock.now.set(NOON + 86_400);
    assert_eq!(json(&h.get("/api/mood"))["stale"], true);
}

#[test]
fn the_last_kept_mood_is_read_from_the_key_value_store() {
    let mut h = Harness::new();
    assert_eq!(assert_problem(&h.get("/api/mood/last"), 404)["status"], 404);
    let refreshed = json(&h.send(Method::Post, "/api/mood/refresh", None));
    let last = json(&h.get("/api/mood/last"));
    assert_eq!(
        (last["mood"].clone(), last["source"].as_str()),
        (refreshed["mood"].clone(), Some("key-value"))
    );
}

#[test]
fn the_busy_route_exists_only_in_development_profiles() {
    let mut harness = Harness::new();
    harness.settings.profile = "prod".to_owned();
    let reply = harness.get("/api/debug/busy");
    assert_problem(&reply, 404);
    assert!(debug::enabled("local") && debug::enabled("dev"));
    assert!(!debug::enabled("prod") && !debug::enabled(""));
}
