//! The docker CLI for the benches' own steps (kill, inspect, exec, taking a project down).

use std::process::{Command, Stdio};

/// Runs docker, panicking with its stderr when it fails; returns stdout without the trailing
/// newline.
pub fn docker(args: &[&str]) -> String {
    let output = Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("cannot run docker {args:?}: {err}"));
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `docker compose down` of a project by name (compose finds it by its label, no files needed).
pub fn compose_down(project: &str) {
    let _ = Command::new("docker")
        .args(["compose", "--project-name", project, "down", "--volumes"])
        .args(["--remove-orphans", "--timeout", "1"])
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
