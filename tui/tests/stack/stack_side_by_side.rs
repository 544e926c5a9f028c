//! The three profiles at once: separate compose projects on separate loopback ports, each serving
//! its own app, none disturbing the others; and the default ports in env/ never collide.

use std::collections::BTreeSet;
use std::time::Duration;

use test_support::repo_root;
use test_support::stack::{Profile, Stack};

/// KEY as compose sees it for a profile: env/<profile>.env, else env/common.env's default.
fn profile_value(profile: &str, key: &str) -> Option<String> {
    env_value(profile, key).or_else(|| env_value("common", key))
}

/// `KEY=value` lines of env/<name>.env.
fn env_value(name: &str, key: &str) -> Option<String> {
    let path = repo_root().join("env").join(format!("{name}.env"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    text.lines()
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
}

#[test]
fn default_ports_of_the_profiles_do_not_collide() {
    let ports = [
        profile_value("local", "STACK_HTTP_PORT"),
        profile_value("dev", "STACK_HTTP_PORT"),
        profile_value("prod", "STACK_HTTP_PORT"),
        profile_value("prod", "STACK_HTTPS_PORT"),
    ];
    let distinct: BTreeSet<&Option<String>> = ports.iter().collect();
    assert!(
        ports.iter().all(Option::is_some),
        "every port is set: {ports:?}"
    );
    assert_eq!(distinct.len(), ports.len(), "ports collide: {ports:?}");
}

#[test]
fn all_three_profiles_run_side_by_side() {
    let stacks: Vec<Stack> = [Profile::Local, Profile::Dev, Profile::Prod]
        .into_iter()
        .map(|profile| Stack::start(profile).0)
        .collect();
    let projects: BTreeSet<&str> = stacks.iter().map(|s| s.project.as_str()).collect();
    assert_eq!(projects.len(), 3, "three separate projects");
    for stack in &stacks {
        let http = stack.client(Duration::from_secs(10));
        let reply = http
            .get(&stack.site_url("/"))
            .unwrap_or_else(|err| panic!("{}: GET / failed: {err}", stack.project));
        assert_eq!(reply.status, 200, "{}: GET /", stack.project);
        assert_eq!(
            reply.json()["profile"],
            stack.profile.name(),
            "{} answers with its own app",
            stack.project
        );
        assert_eq!(
            stack.containers().len(),
            stack.expected_containers(),
            "{}: all containers still there with the others up",
            stack.project
        );
    }
}
