//! The dev profile on a real engine: two app replicas from images, both serving through nginx,
//! plus the isolation and hardening every profile must keep, both reported not ready (and
//! ready again) by `stack-tui status` while Postgres is paused, and every fault drill passing.

use std::time::Duration;

use crate::stack_support::checks::{audit, drills, readiness, security, topology, web};
use test_support::stack::{Profile, Stack};

#[test]
fn dev_profile_serves_from_two_replicas() {
    // `<prefix>-dev`, so `stack-tui --project-prefix` finds it.
    let prefix = format!("sttdev{}", std::process::id());
    let (stack, took) = Stack::start_named(Profile::Dev, format!("{prefix}-dev"));
    println!("{}: all healthy {took:?} after up", stack.project);
    let http = stack.client(Duration::from_secs(10));

    web::nginx_health(&stack, &http);
    web::visits_increase(&stack, &http);
    crate::stack_support::checks::resilience::replicas_serve(&stack, &http);
    crate::stack_support::checks::resilience::key_value_shared(&stack, &http);
    no_component_mount(&stack);
    topology::isolation(&stack);
    security::hardening(&stack);
    security::secrets_hidden(&stack);
    audit::nothing_open(&stack);
    readiness::postgres_paused_makes_the_app_not_ready(&stack, &prefix);
    drills::pass(&stack, &prefix, "dev", &drills::not_on_local());
}

/// dev runs the component baked into the image: nothing is mounted over /app or /app/dist.
fn no_component_mount(stack: &Stack) {
    for app in stack.service("app") {
        let mounts = app.mounts.unwrap_or_default();
        assert!(
            mounts
                .iter()
                .all(|m| !matches!(m.destination.as_deref(), Some("/app" | "/app/dist"))),
            "dev mounts something over the app: {mounts:?}"
        );
    }
}
