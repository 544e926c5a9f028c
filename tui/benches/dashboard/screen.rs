//! What the dashboard's pane shows, read from `capture-pane` text.

use std::sync::OnceLock;

use regex::Regex;

/// The Services table's rows of `service` (the text after the left border).
fn rows<'a>(screen: &'a str, service: &'a str) -> impl Iterator<Item = &'a str> {
    screen.lines().filter_map(move |line| {
        let inner = line.strip_prefix('│')?;
        inner
            .strip_prefix(service)
            .filter(|rest| rest.starts_with(' '))
            .map(|_| inner)
    })
}

/// A row of `service` saying running and, further on, healthy.
pub fn healthy(screen: &str, service: &str) -> bool {
    const RUNNING: &str = " running ";
    rows(screen, service).any(|row| {
        row.find(RUNNING)
            .is_some_and(|at| row[at + RUNNING.len()..].contains(" healthy "))
    })
}

/// The local stack's four services, or the flood fixture's (`web` in place of nginx).
pub fn all_healthy(screen: &str) -> bool {
    ["app", "postgres", "redis"]
        .iter()
        .all(|service| healthy(screen, service))
        && (healthy(screen, "nginx") || healthy(screen, "web"))
}

pub fn shown_exited(screen: &str) -> bool {
    rows(screen, "redis").any(|row| row.contains("exited"))
}

/// Lines the Logs panel has taken in, from its bottom border "N lines · M dropped": the buffer
/// keeps N and counts what it pushed out, so N + M is every line ingested.
pub fn ingested(screen: &str) -> Option<u64> {
    static COUNTER: OnceLock<Regex> = OnceLock::new();
    let counter = COUNTER.get_or_init(|| {
        Regex::new(r"([0-9]+) lines [^0-9]+ ([0-9]+) dropped").expect("the counter pattern")
    });
    let found = counter.captures(screen)?;
    let kept: u64 = found[1].parse().ok()?;
    let dropped: u64 = found[2].parse().ok()?;
    Some(kept + dropped)
}
