//! The docker CLI for a test's own steps (pause, inspect, create a volume): runs it, panics
//! with its stderr when it fails, and returns stdout without the surrounding whitespace.

use std::process::Command;

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
