//! `stack-tui drill run` on a running profile, as a user runs it: the drills named pass, and the
//! stack is left healthy. Between the local drills test (tui/tests/stack/drills.rs, the drills
//! in [`ON_LOCAL`]) and the dev profile test (the rest), every drill of the catalogue runs
//! against a real stack.

use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use test_support::repo_root;
use test_support::stack::Stack;

/// The drills the local drills test runs.
pub const ON_LOCAL: &[&str] = &[
    "redis-kill",
    "redis-pause",
    "postgres-kill-durability",
    "postgres-lock",
    "app-backend-disconnect",
];

/// Every drill of the catalogue that the local drills test does not run.
pub fn not_on_local() -> Vec<&'static str> {
    stack_core::drill::DRILLS
        .iter()
        .map(|drill| drill.name)
        .filter(|name| !ON_LOCAL.contains(name))
        .collect()
}

/// `names` on `profile` in one command, checked drill by drill so that a failure names the
/// one that failed.
pub fn pass(stack: &Stack, prefix: &str, profile: &str, names: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .arg("--root")
        .arg(repo_root())
        .args(["--project-prefix", prefix, "--profile", profile])
        .args(["drill", "run", "--json", "--writes", "90"])
        .args(names)
        .stdin(Stdio::null())
        .output()
        .expect("run stack-tui drill");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!("drill run {names:?} printed no JSON report ({err}):\n{stderr}")
    });
    let drills = report["drills"].as_array().expect("a list of drills");
    let ran: Vec<&str> = drills.iter().filter_map(|d| d["drill"].as_str()).collect();
    assert_eq!(ran, names, "{stderr}");
    for drill in drills {
        assert_eq!(
            drill["passed"], true,
            "{} failed: {}\n{drill:#}\n{stderr}",
            drill["drill"], drill["summary"]
        );
        assert!(
            drill["summary"]
                .as_str()
                .is_some_and(|s| s.contains("sent"))
        );
    }
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    stack.wait_all_healthy(Instant::now(), Duration::from_secs(60));
}
