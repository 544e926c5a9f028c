//! Fault drills on a real local stack, run as a user runs them (`stack-tui drill run --json`;
//! the drills run here are listed in stack_support/checks/drills.rs, the dev test runs the rest):
//! redis-kill and a short postgres-kill-durability pass with their figures, and leave the stack
//! healthy; ctrl-c during a pause unpauses before the process ends; a profile that is not running
//! and prod without --allow-prod are refused by name.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use test_support::repo_root;
use test_support::stack::{Profile, Stack};

/// stack-tui against the test's own projects (`<prefix>-<profile>`).
fn stack_tui(prefix: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .arg("--root")
        .arg(repo_root())
        .args(["--project-prefix", prefix])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run stack-tui")
}

/// Runs drills with `--json`; returns the exit code and the report.
fn drill(prefix: &str, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["--profile", "local", "drill", "run", "--json"];
    all.extend_from_slice(args);
    let output = stack_tui(prefix, &all);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "drill run {args:?} printed no JSON report ({err}): {}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code(), report)
}

fn round(report: &Value) -> &Value {
    &report["drills"][0]["rounds"][0]
}

#[test]
fn drills_on_local_pass_and_leave_the_stack_healthy() {
    let prefix = format!("sttdrill{}", std::process::id());
    let (stack, took) = Stack::start_named(Profile::Local, format!("{prefix}-local"));
    eprintln!("{}: all healthy {took:?} after up", stack.project);

    let (code, report) = drill(&prefix, &["redis-kill"]);
    let kill = round(&report);
    assert_eq!(code, Some(0), "redis-kill failed: {report:#}");
    assert_eq!(report["passed"], true);
    assert!(kill["figures"]["sent"].as_u64() > Some(10), "{kill:#}");
    assert_eq!(kill["figures"]["failed"]["server_5xx"], 0, "{kill:#}");
    assert_eq!(kill["restarted"], true, "{kill:#}");
    assert!(kill["figures"]["time_to_recover_ms"].is_u64(), "{kill:#}");
    let redis = stack.service("redis");
    assert_eq!(
        redis.first().and_then(|c| c.restart_count),
        Some(1),
        "the engine restarted redis by its policy"
    );

    interrupted_drill_heals(&prefix, &stack);

    // With one replica, a stalled or unreachable database fails requests fast and cleanly.
    let (code, report) = drill(&prefix, &["postgres-lock", "app-backend-disconnect"]);
    assert_eq!(code, Some(0), "{report:#}");
    for drill in report["drills"].as_array().expect("drills") {
        let figures = &drill["rounds"][0]["figures"];
        assert!(
            figures["failed"]["server_5xx"].as_u64() > Some(0),
            "{drill:#}"
        );
        assert_eq!(figures["failed"]["no_answer"], 0, "{drill:#}");
        assert!(figures["failed_statuses"].get("504").is_none(), "{drill:#}");
    }
    let app = stack.service("app");
    let networks = app
        .first()
        .and_then(|c| c.network_settings.as_ref())
        .and_then(|n| n.networks.as_ref())
        .expect("the app's networks");
    let backend = format!("{}_backend", stack.project);
    let aliases = networks[&backend].aliases.clone().unwrap_or_default();
    assert!(
        aliases.iter().any(|a| a == "app"),
        "reconnected under its service alias: {aliases:?}"
    );

    let (code, report) = drill(&prefix, &["postgres-kill-durability", "--writes", "90"]);
    let durability = round(&report);
    assert_eq!(code, Some(0), "postgres-kill-durability failed: {report:#}");
    let writes = &durability["writes"];
    assert!(writes["acknowledged"].as_u64() > Some(0), "{writes:#}");
    assert_eq!(writes["lost"], 0, "{writes:#}");
    assert_eq!(writes["fsync"], "on", "{writes:#}");
    assert_eq!(durability["restarted"], true, "{durability:#}");

    // Healed: every service healthy again, and the drill's rows are gone.
    stack.wait_all_healthy(Instant::now(), Duration::from_secs(60));
    let left = stack.compose_ok(&[
        "exec",
        "-T",
        "postgres",
        "psql",
        "-U",
        "postgres",
        "-d",
        "app",
        "-tAc",
        "SELECT count(*) FROM items WHERE name LIKE 'drill-%'",
    ]);
    assert_eq!(left.trim(), "0", "the drill removes the items it wrote");

    // A profile that is not running is refused with the command that brings it up.
    let refused = stack_tui(&prefix, &["--profile", "dev", "drill", "run", "redis-kill"]);
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{message}");
    assert!(
        message.contains("stack-tui --profile dev up"),
        "names the fix: {message}"
    );
}

/// ctrl-c while Redis is paused: the drill unpauses it before it exits, and says it was
/// interrupted.
fn interrupted_drill_heals(prefix: &str, stack: &Stack) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .arg("--root")
        .arg(repo_root())
        .args(["--project-prefix", prefix, "--profile", "local"])
        .args(["drill", "run", "redis-pause", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stack-tui");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let paused = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains("paused"));
    assert!(paused, "the drill paused redis");
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    kill(pid, Signal::SIGINT).expect("send SIGINT");
    let output = child.wait_with_output().expect("stack-tui ends");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(output.status.code(), Some(3), "{report:#}");
    let error = report["drills"][0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("interrupted"), "{report:#}");
    assert_eq!(report["drills"][0]["heal_failure"], Value::Null);
    let redis = stack.service("redis");
    let state = redis.first().and_then(|c| c.state.clone());
    assert_eq!(
        state.and_then(|s| s.paused),
        Some(false),
        "redis unpaused after ctrl-c"
    );
}

#[test]
fn prod_drills_need_allow_prod() {
    let refused = stack_tui(
        "sttdrillprod",
        &["--profile", "prod", "drill", "run", "--all"],
    );
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{message}");
    assert!(message.contains("--allow-prod"), "{message}");
}
