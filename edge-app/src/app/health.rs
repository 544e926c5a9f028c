//! Liveness, readiness and the detailed dependency report.

use serde_json::{Map, Value, json};

use super::Services;
use super::root::status_word;
use crate::deps::{DepError, Dependency};
use crate::problem::Problem;
use crate::reply::Reply;

/// `GET /health`: the component runs; no dependency is touched.
pub(super) fn live() -> Reply {
    Reply::json(200, &json!({ "status": "ok" }))
}

/// One dependency probe: its outcome and how long it took.
struct Probe {
    dependency: Dependency,
    outcome: Result<(), DepError>,
    latency_nanos: u64,
}

fn probe_all(services: &mut Services<'_>) -> [Probe; 2] {
    let clock = services.clock;
    let timed = |dependency: Dependency, outcome: &mut dyn FnMut() -> Result<(), DepError>| {
        let start = clock.monotonic_nanos();
        let outcome = outcome();
        Probe {
            dependency,
            outcome,
            latency_nanos: clock.monotonic_nanos().saturating_sub(start),
        }
    };
    let redis = timed(Dependency::Redis, &mut || services.cache.ping());
    let postgres = timed(Dependency::Postgres, &mut || services.items.ping());
    [redis, postgres]
}

/// `GET /health/ready`: 200 when Redis and Postgres answer, else 503 naming them.
pub(super) fn ready(services: &mut Services<'_>) -> Reply {
    let probes = probe_all(services);
    let failed: Vec<&Probe> = probes.iter().filter(|p| p.outcome.is_err()).collect();
    if failed.is_empty() {
        return Reply::json(
            200,
            &json!({ "status": "ready", "checks": { "redis": "ok", "postgres": "ok" } }),
        );
    }
    let names: Vec<Dependency> = failed.iter().map(|p| p.dependency).collect();
    let reasons: Vec<String> = failed
        .iter()
        .filter_map(|p| p.outcome.as_ref().err().map(ToString::to_string))
        .collect();
    Problem::unavailable(&names, format!("not ready: {}", reasons.join("; "))).into_reply()
}

/// `GET /health/detailed`: always 200; each dependency with status and latency.
pub(super) fn detailed(services: &mut Services<'_>) -> Reply {
    let probes = probe_all(services);
    let all_ok = probes.iter().all(|p| p.outcome.is_ok());
    let mut dependencies = Map::new();
    for probe in &probes {
        let mut entry = Map::new();
        entry.insert("status".into(), status_word(probe.outcome.is_ok()).into());
        entry.insert("latency_ms".into(), json!(millis(probe.latency_nanos)));
        if let Err(err) = &probe.outcome {
            entry.insert("error".into(), err.to_string().into());
        }
        dependencies.insert(probe.dependency.name().into(), Value::Object(entry));
    }
    Reply::json(
        200,
        &json!({
            "status": if all_ok { "ok" } else { "degraded" },
            "dependencies": dependencies,
        }),
    )
}

/// Milliseconds with microsecond precision.
fn millis(nanos: u64) -> f64 {
    (nanos / 1_000) as f64 / 1_000.0
}
