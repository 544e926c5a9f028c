//! What a client sees through nginx: its own /health, the app's JSON, the items API, the
//! security headers, and the body-size and rate limits.

use test_support::http::{Http, Response};
use test_support::stack::Stack;

/// Headers nginx adds to every response, errors included.
const SECURITY_HEADERS: [&str; 4] = [
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "content-security-policy",
];

/// Panics unless the response carries every security header (and HSTS exactly when over TLS).
pub fn assert_security_headers(reply: &Response, tls: bool, what: &str) {
    for name in SECURITY_HEADERS {
        assert!(
            reply.header(name).is_some_and(|v| !v.is_empty()),
            "{what} (status {}) lacks {name}: {:?}",
            reply.status,
            reply.headers
        );
    }
    let hsts = reply.header("strict-transport-security");
    if tls {
        assert!(
            hsts.is_some_and(|v| v.contains("max-age=")),
            "{what} over TLS lacks Strict-Transport-Security"
        );
    } else {
        assert!(hsts.is_none(), "{what} over plain HTTP sends HSTS");
    }
    assert!(
        reply.header("server").is_none_or(|v| v == "nginx"),
        "{what}: Server header reveals a version: {:?}",
        reply.header("server")
    );
}

/// GET /health is answered by nginx itself.
pub fn nginx_health(stack: &Stack, http: &Http) {
    let reply = http.get(&stack.site_url("/health")).expect("GET /health");
    assert_eq!(reply.status, 200, "GET /health: {reply:?}");
    assert_eq!(
        reply.json()["service"],
        "nginx",
        "/health is nginx's own answer"
    );
    assert_security_headers(&reply, stack.profile.tls(), "GET /health");
}

/// GET / returns the app's JSON, and its visit count goes up.
pub fn visits_increase(stack: &Stack, http: &Http) {
    let first = http.get(&stack.site_url("/")).expect("GET /");
    assert_eq!(first.status, 200, "GET /: {first:?}");
    assert_security_headers(&first, stack.profile.tls(), "GET / (200)");
    let second = http.get(&stack.site_url("/")).expect("GET / again");
    let (a, b) = (
        first.json()["visits"].as_i64(),
        second.json()["visits"].as_i64(),
    );
    let (Some(a), Some(b)) = (a, b) else {
        panic!("visits must be numbers while Redis is up: {first:?} then {second:?}");
    };
    assert!(b > a, "visit count increases: {a} then {b}");
    assert_eq!(
        second.json()["profile"],
        stack.profile.name(),
        "profile variable"
    );
}

/// Create, read, list, search, update and delete an item through nginx. Returns nothing left.
pub fn items_end_to_end(stack: &Stack, http: &Http) {
    let name = format!("stack-test-item-{}", std::process::id());
    let id = create_item(stack, http, &name);
    let url = stack.site_url(&format!("/api/items/{id}"));

    let fetched = http.get(&url).expect("GET item");
    assert_eq!(fetched.status, 200, "GET {url}: {fetched:?}");
    assert_eq!(fetched.json()["name"], name.as_str());

    let listed = http
        .get(&stack.site_url(&format!("/api/items?q={}", name.to_uppercase())))
        .expect("search items");
    assert_eq!(listed.status, 200, "search: {listed:?}");
    assert!(
        listed.text().contains(&name),
        "case-insensitive search finds the item: {listed:?}"
    );

    let update = format!(r#"{{"name":"{name}-renamed","description":"updated"}}"#);
    let updated = http
        .send("PUT", &url, "application/json", update.as_bytes())
        .expect("PUT item");
    assert_eq!(updated.status, 200, "PUT: {updated:?}");
    let reread = http.get(&url).expect("GET item after PUT");
    assert_eq!(
        reread.json()["name"],
        format!("{name}-renamed"),
        "read after write is fresh"
    );

    let deleted = http.delete(&url).expect("DELETE item");
    assert_eq!(deleted.status, 204, "DELETE: {deleted:?}");
    let gone = http.get(&url).expect("GET deleted item");
    assert_eq!(gone.status, 404, "deleted item is gone: {gone:?}");
    assert_security_headers(&gone, stack.profile.tls(), "GET deleted item (404)");
}

/// POSTs a new item and returns its id.
pub fn create_item(stack: &Stack, http: &Http, name: &str) -> i64 {
    let body = format!(r#"{{"name":"{name}","description":"made by the stack tests"}}"#);
    let created = http
        .send(
            "POST",
            &stack.site_url("/api/items"),
            "application/json",
            body.as_bytes(),
        )
        .expect("POST item");
    assert_eq!(created.status, 201, "POST /api/items: {created:?}");
    created.json()["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("created item has a numeric id: {created:?}"))
}

/// A body over nginx's limit is refused with 413 before it reaches the app.
pub fn body_limit(stack: &Stack, http: &Http) {
    let body = vec![b'x'; 2 * 1024 * 1024];
    let reply = http
        .send(
            "POST",
            &stack.site_url("/api/items"),
            "application/json",
            &body,
        )
        .expect("POST an oversized body");
    assert_eq!(reply.status, 413, "oversized body: {reply:?}");
    assert_security_headers(&reply, stack.profile.tls(), "413");
}

/// A burst well beyond the rate limit gets 429s (with the security headers). It leaves the
/// bucket empty, so it runs after the checks that send traffic.
pub fn rate_limit(stack: &Stack, http: &Http) {
    let url = stack.site_url("/api/items?per_page=1");
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            std::thread::spawn(move || {
                (0..25)
                    .filter_map(|_| http.get(&url).ok())
                    .collect::<Vec<Response>>()
            })
        })
        .collect();
    let replies: Vec<Response> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("burst worker"))
        .collect();
    let limited: Vec<&Response> = replies.iter().filter(|r| r.status == 429).collect();
    assert!(
        !limited.is_empty(),
        "200 requests in a burst got no 429 (statuses: {:?})",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_security_headers(limited[0], stack.profile.tls(), "429");
}

/// One request, one id across services: nginx's `$request_id` comes back on the response and
/// appears in nginx's access line and in the app's.
pub fn request_id_traced(stack: &Stack, http: &Http) {
    let reply = http
        .get(&stack.site_url("/health/ready"))
        .expect("GET /health/ready");
    assert_eq!(reply.status, 200, "GET /health/ready: {reply:?}");
    let id = reply
        .header("x-request-id")
        .unwrap_or_else(|| panic!("no X-Request-Id on the answer: {reply:?}"))
        .to_string();
    let seen = |service: &str| {
        let logs = stack.compose(&["logs", "--no-color", "--no-log-prefix", service]);
        String::from_utf8_lossy(&logs.stdout)
            .lines()
            .any(|line| line.contains(&format!("\"request_id\":\"{id}\"")))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !(seen("nginx") && seen("app")) {
        assert!(
            std::time::Instant::now() < deadline,
            "request id {id} in nginx's log: {}, in the app's: {}",
            seen("nginx"),
            seen("app")
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
