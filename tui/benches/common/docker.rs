//! The docker CLI for the benches' own steps (kill, inspect, exec, taking a project down).

use std::process::{Command, Stdio};

pub use test_support::docker_cli::docker;

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
