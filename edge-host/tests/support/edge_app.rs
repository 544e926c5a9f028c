//! Serves the real edge-app component (`edge-app/spin.toml`, unchanged) on edge-host against the
//! given Redis and Postgres, plus small JSON request helpers for the app's API tests.

use std::path::PathBuf;

use super::edge_host::{EdgeHost, Launch};
use super::postgres::{APP_PASSWORD, PgServer};
use super::redis::RedisServer;
use super::repo_root;
use test_support::http::Response;

/// `edge-app/spin.toml`, after checking that the component it names has been built.
pub fn manifest() -> PathBuf {
    let manifest = repo_root().join("edge-app").join("spin.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest.display()));
    let source = text
        .lines()
        .find_map(|line| {
            let value = line
                .trim()
                .strip_prefix("source")?
                .trim()
                .strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| panic!("no component `source` in {}", manifest.display()));
    let component = manifest
        .parent()
        .expect("the manifest has a directory")
        .join(&source);
    assert!(
        component.is_file(),
        "{} is missing: build edge-app first with `cargo xtask build-app` \
         (or `spin build -f edge-app/spin.toml`, which runs it)",
        component.display()
    );
    manifest
}

/// edge-host serving edge-app with its variables pointing at `redis` and `pg`.
pub fn start(redis: &RedisServer, pg: &PgServer) -> EdgeHost {
    EdgeHost::start(launch(redis.port, pg.port))
}

/// The launch of edge-app with Redis and Postgres expected on these 127.0.0.1 ports. The file
/// watch is off so a rebuild of `dist/` by someone else cannot swap the component mid-test.
pub fn launch(redis_port: u16, pg_port: u16) -> Launch {
    Launch::new(&manifest())
        .arg("--no-watch")
        .env("HOSTNAME", "e2e-instance-1")
        .env("SPIN_VARIABLE_PROFILE", "e2e")
        .env("SPIN_VARIABLE_REDIS_HOST", "127.0.0.1")
        .env("SPIN_VARIABLE_REDIS_PORT", &redis_port.to_string())
        .env("SPIN_VARIABLE_REDIS_PASSWORD", "")
        .env("SPIN_VARIABLE_PG_HOST", "127.0.0.1")
        .env("SPIN_VARIABLE_PG_PORT", &pg_port.to_string())
        .env("SPIN_VARIABLE_PG_PASSWORD", APP_PASSWORD)
}

/// Sends `body` as JSON (`content-type: application/json`).
pub fn send_json(host: &EdgeHost, method: &str, path: &str, body: &serde_json::Value) -> Response {
    host.request(
        method,
        path,
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// Asserts `response` is a problem+json error with `status` and type suffix `kind`; returns the body.
pub fn assert_problem(response: &Response, status: u16, kind: &str) -> serde_json::Value {
    assert_eq!(response.status, status, "{}", response.text());
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content-type {content_type:?} for {}",
        response.text()
    );
    let body = response.json();
    assert_eq!(
        body["type"],
        format!("urn:stack-tui:problem:{kind}"),
        "{body}"
    );
    assert_eq!(body["status"], status, "{body}");
    body
}
