//! The local profile on a real engine: up to healthy, what a client sees through nginx, the
//! limits, isolation, secrets, hardening, nginx without the app, and data across down/up.
//! One `up` is shared by the checks (they run in order), then the data checks restart it.

use std::time::Duration;

use crate::stack_support::checks::{audit, database, resilience, security, topology, web};
use test_support::engine;
use test_support::stack::{Profile, Stack};

#[test]
fn local_profile_end_to_end() {
    let (stack, took) = Stack::start(Profile::Local);
    println!("{}: all healthy {took:?} after up", stack.project);
    let http = stack.client(Duration::from_secs(10));

    web::nginx_health(&stack, &http);
    web::visits_increase(&stack, &http);
    web::request_id_traced(&stack, &http);
    web::items_end_to_end(&stack, &http);
    web::body_limit(&stack, &http);
    component_is_bind_mounted(&stack);
    topology::isolation(&stack);
    security::secrets_hidden(&stack);
    security::hardening(&stack);
    security::admin_listener_private(&stack);
    audit::nothing_open(&stack);
    database::app_role_is_least_privilege(&stack, &http);
    resilience::app_outage(&stack, &http);
    resilience::persistence(&stack, &http);
    // Last: the burst empties the rate limiter's bucket.
    web::rate_limit(&stack, &http);
}

/// local mounts the host's edge-app directory (not single files) read-only over /app, so the
/// manifest and component served are the host's.
fn component_is_bind_mounted(stack: &Stack) {
    let app = stack.service("app");
    assert_eq!(app.len(), 1, "local runs one app replica");
    let mounts = app[0].mounts.clone().unwrap_or_default();
    let mounted = mounts
        .iter()
        .find(|m| m.destination.as_deref() == Some("/app"))
        .unwrap_or_else(|| panic!("{}: no mount at /app: {mounts:?}", engine::name(&app[0])));
    assert_eq!(mounted.rw, Some(false), "/app is read-only");
    let source = mounted.source.clone().unwrap_or_default();
    assert!(source.ends_with("edge-app"), "/app comes from {source}");
}
