//! `stack-tui audit` of a running profile: files and containers, nothing open, every accepted
//! finding explained in the profile's README, every container seen.

use stack_tui::runtime::audit::{Scope, audit};
use test_support::repo_root;
use test_support::stack::Stack;

pub fn nothing_open(stack: &Stack) {
    let name = stack.profile.name();
    let layout = stack_core::model::Layout::new(repo_root(), "stack");
    let mut profile = layout.profile(name).expect("the profile");
    profile.project = stack.project.clone();
    // The test published other ports than env/<profile>.env: the audit reads the files as
    // compose did, or it would report the ports as drift.
    let ports = tempfile::NamedTempFile::new().expect("env file");
    let mut env = format!("STACK_HTTP_PORT={}\n", stack.http_port);
    if let Some(https) = stack.https_port {
        env.push_str(&format!("STACK_HTTPS_PORT={https}\n"));
    }
    std::fs::write(ports.path(), env).expect("write env file");
    profile.env_files.push(ports.path().to_path_buf());

    let started = std::time::Instant::now();
    let report = stack
        .block_on(audit(&profile, Scope::Both))
        .expect("the audit runs");
    println!(
        "audit of {}: {} in {:?}, {} suppressed",
        stack.project,
        report.summary(),
        started.elapsed(),
        report.suppressed.len()
    );
    assert_eq!(
        report.containers,
        stack.expected_containers(),
        "every container audited"
    );
    assert!(
        report.findings.is_empty(),
        "{name}: open audit findings: {:#?}",
        report.findings
    );
    let readme = std::fs::read_to_string(repo_root().join(name).join("README.md"))
        .expect("the profile's README");
    for entry in &report.suppressed {
        assert!(
            readme.contains(entry.finding.rule),
            "{name}/README.md explains the accepted {}",
            entry.finding.rule
        );
    }
}
