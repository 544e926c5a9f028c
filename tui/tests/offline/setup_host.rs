//! `.ci/setup-host` on a host it must not change: run as an unprivileged user, or as root where it
//! cannot install anything, it changes nothing, lists what is missing with how to get it, and exits
//! non-zero. (Its installing path is exercised by every `.ci/test` run on a fresh machine.)

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn setup_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/setup-host")
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn which(tool: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// The script's exit code and stderr, with the state directory it would use pointed at a path
/// that must still not exist afterwards (nothing changed).
fn run_and_check_nothing_changed(mut command: Command, scratch: &Path) -> (i32, String) {
    let state_dir = scratch.join("state");
    let output: Output = command
        .env("STACK_TUI_STATE_DIR", &state_dir)
        .env("STACK_TUI_DOCKERD_LOG", scratch.join("dockerd.log"))
        .output()
        .expect("run .ci/setup-host");
    assert!(
        !state_dir.exists() && !scratch.join("dockerd.log").exists(),
        "setup-host changed the host although it may not act here"
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_non_root_user_gets_the_list_of_what_is_missing() {
    if !running_as_root() {
        // As a normal user this very run is the case under test.
        let scratch = tempfile::tempdir().expect("scratch dir");
        let mut command = Command::new("bash");
        command.arg(setup_script());
        let (code, stderr) = run_and_check_nothing_changed(command, scratch.path());
        if code != 0 {
            assert!(stderr.contains("Missing to "), "stderr: {stderr}");
        }
        return;
    }
    let scratch = tempfile::tempdir().expect("scratch dir");
    // World-writable so that nobody could create the state dir if the script tried to.
    Command::new("chmod")
        .args(["0777"])
        .arg(scratch.path())
        .status()
        .expect("chmod scratch");
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .args(["env", "-i"])
        .arg("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .arg(format!("HOME={}", scratch.path().display()))
        .arg(format!(
            "STACK_TUI_STATE_DIR={}",
            scratch.path().join("state").display()
        ))
        .arg(format!(
            "STACK_TUI_DOCKERD_LOG={}",
            scratch.path().join("dockerd.log").display()
        ))
        .arg("bash")
        .arg(setup_script());
    let (code, stderr) = run_and_check_nothing_changed(command, scratch.path());

    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(
        stderr.contains("cannot be set up automatically (not root but uid 65534)"),
        "the reason is named; stderr: {stderr}"
    );
    // nobody can't reach root's socket nor root's rustup.
    for gap in [
        "a running Docker daemon",
        "Rust via rustup: https://rustup.rs",
    ] {
        assert!(stderr.contains(gap), "{gap:?} is listed; stderr: {stderr}");
    }
    let listed = stderr
        .lines()
        .filter(|line| line.starts_with("  - "))
        .count();
    assert!(listed >= 2, "one line per gap; stderr: {stderr}");
}

#[test]
fn without_apt_get_nothing_is_installed_and_the_gaps_are_listed() {
    let scratch = tempfile::tempdir().expect("scratch dir");
    // A PATH with only the tools the check itself needs: no apt-get, no redis-server, no nginx,
    // no rustup, no tmux.
    let bin = scratch.path().join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    for tool in ["uname", "id", "docker", "curl"] {
        if let Some(path) = which(tool) {
            symlink(&path, bin.join(tool)).expect("link tool");
        }
    }
    let mut command = Command::new("/bin/bash");
    command
        .arg(setup_script())
        .env("PATH", &bin)
        .env("DOCKER_HOST", "unix:///nonexistent/stack-tui-test.sock");
    let (code, stderr) = run_and_check_nothing_changed(command, scratch.path());

    assert_eq!(code, 1, "stderr: {stderr}");
    let reason = if running_as_root() {
        "(apt-get not found)"
    } else {
        "(not root but uid"
    };
    assert!(
        stderr.contains(reason),
        "the reason is named; stderr: {stderr}"
    );
    for gap in [
        "a running Docker daemon reachable at unix:///nonexistent/stack-tui-test.sock",
        "Rust via rustup",
        "redis-server",
        "nginx",
        "tmux",
    ] {
        assert!(stderr.contains(gap), "{gap:?} is listed; stderr: {stderr}");
    }
    assert!(
        stderr.contains("Install these and run it again"),
        "stderr: {stderr}"
    );
}

/// `.ci/up` asks only for what running needs: with Docker and Rust at hand but no test servers,
/// `--for run` passes and lists the test tools apart, while the default (test) fails.
#[test]
fn running_needs_no_test_servers() {
    let scratch = tempfile::tempdir().expect("scratch dir");
    // Docker (its compose plugin is found outside PATH), rustup and a musl compiler; no
    // apt-get, so nothing is installed, and no redis-server, nginx or tmux.
    let bin = scratch.path().join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    for tool in ["uname", "id", "grep", "docker", "rustup", "musl-gcc"] {
        match which(tool) {
            Some(path) => symlink(&path, bin.join(tool)).expect("link tool"),
            None => panic!("{tool} is part of this host's setup (.ci/setup-host installs it)"),
        }
    }
    let with_purpose = |purpose: &str| {
        let mut command = Command::new("/bin/bash");
        command
            .arg(setup_script())
            .args(["--for", purpose])
            .env("PATH", &bin);
        run_and_check_nothing_changed(command, scratch.path())
    };

    let (code, stderr) = with_purpose("run");
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(!stderr.contains("Missing to run"), "stderr: {stderr}");
    let test_part = stderr
        .split_once("Missing to test")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("the test tools are listed apart; stderr: {stderr}"));
    for gap in ["redis-server", "nginx", "tmux"] {
        assert!(
            test_part.contains(gap),
            "{gap:?} under test; stderr: {stderr}"
        );
    }

    let (code, stderr) = with_purpose("test");
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(stderr.contains("Missing to test"), "stderr: {stderr}");

    let (code, stderr) = with_purpose("build");
    assert_eq!(code, 1, "stderr: {stderr}");
    assert!(
        stderr.contains("--for takes 'run' or 'test'"),
        "stderr: {stderr}"
    );
}
