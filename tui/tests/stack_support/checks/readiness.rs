//! Readiness as `stack-tui status` shows it, for real: with Postgres paused every app replica
//! stays healthy by Docker (its healthcheck is liveness and touches no dependency) but is reported
//! not ready, naming postgres, and `status` exits 3; unpaused, the replicas are ready again.

use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use test_support::docker_cli::docker;
use test_support::repo_root;
use test_support::stack::Stack;

/// `status` exits 3 when something is degraded (tui/README.md).
const EXIT_DEGRADED: i32 = 3;
/// Both turns must show within this: a probe takes a couple of seconds at most.
const TURN_WITHIN: Duration = Duration::from_secs(20);

/// Unpauses the container when dropped, so a failing assertion leaves the stack whole.
struct Paused<'a>(&'a str);

impl Paused<'_> {
    fn start(id: &str) -> Paused<'_> {
        docker(&["pause", id]);
        Paused(id)
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        let output = Command::new("docker").args(["unpause", self.0]).output();
        if !output.is_ok_and(|o| o.status.success()) {
            eprintln!("could not unpause {}", self.0);
        }
    }
}

/// `stack-tui status` for the stack (its project is `<prefix>-<profile>`).
fn status(stack: &Stack, prefix: &str, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .arg("--root")
        .arg(repo_root())
        .args([
            "--project-prefix",
            prefix,
            "--profile",
            stack.profile.name(),
        ])
        .args(["status", "--format", format])
        .stdin(Stdio::null())
        .output()
        .expect("run stack-tui status")
}

/// The exit code and the app containers of `status --format json`.
fn app_status(stack: &Stack, prefix: &str) -> (Option<i32>, Vec<Value>) {
    let output = status(stack, prefix, "json");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "status printed no JSON ({err}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let apps = report["services"]
        .as_array()
        .and_then(|services| services.iter().find(|s| s["service"] == "app"))
        .and_then(|app| app["containers"].as_array().cloned())
        .unwrap_or_default();
    (output.status.code(), apps)
}

/// Polls `status` until `done` holds for its answer, or fails after [`TURN_WITHIN`] with the last.
fn wait_status(
    stack: &Stack,
    prefix: &str,
    what: &str,
    done: impl Fn(Option<i32>, &[Value]) -> bool,
) -> (Option<i32>, Vec<Value>) {
    let started = Instant::now();
    loop {
        let call = Instant::now();
        let (code, apps) = app_status(stack, prefix);
        if done(code, &apps) {
            eprintln!(
                "{what} after {:?} (that status call: {:?})",
                started.elapsed(),
                call.elapsed()
            );
            return (code, apps);
        }
        assert!(
            started.elapsed() < TURN_WITHIN,
            "{what}: not within {TURN_WITHIN:?}; status exited {code:?} with {apps:#?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

pub fn postgres_paused_makes_the_app_not_ready(stack: &Stack, prefix: &str) {
    let replicas = stack.profile.app_replicas();
    let postgres = stack.service("postgres");
    let id = postgres
        .first()
        .and_then(|c| c.id.clone())
        .expect("a postgres container");
    let paused = Paused::start(&id);

    let (code, apps) = wait_status(stack, prefix, "not ready", |code, apps| {
        code == Some(EXIT_DEGRADED)
            && apps.len() == replicas
            && apps.iter().all(|app| app["readiness"]["ready"] == false)
    });
    assert_eq!(code, Some(EXIT_DEGRADED));
    for app in &apps {
        let reason = app["readiness"]["reason"].as_str().unwrap_or_default();
        eprintln!("{}: not ready: {reason}", app["name"]);
        assert!(reason.contains("postgres"), "names postgres: {app:#}");
        assert_eq!(
            app["health"], "healthy",
            "Docker's liveness stays green: {app:#}"
        );
    }
    let text = status(stack, prefix, "text");
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(
        shown.contains(&format!("not ready 0/{replicas}")) && shown.contains("not ready: postgres"),
        "the table and the reasons: {shown}"
    );

    drop(paused);
    let (code, _) = wait_status(stack, prefix, "ready again", |code, apps| {
        code == Some(0) && apps.iter().all(|app| app["readiness"]["ready"] == true)
    });
    assert_eq!(code, Some(0));
}
