//! Limits and lifecycle: a runaway service cannot starve the machine, and a dead one comes back.

use super::Rule;
use crate::audit::finding::Severity;
use crate::audit::subject::Healthcheck;

pub const RULES: &[Rule] = &[
    Rule {
        id: "memory-unlimited",
        severity: Severity::Medium,
        title: "No memory limit",
        reference: "CIS §5.10",
        rationale: "A leak or a flood in one service takes the memory of all of them, and the \
                    kernel's OOM killer picks the victim.",
        fix: "Set `deploy.resources.limits.memory`.",
        check: |subject, _| {
            subject
                .limits
                .memory_bytes
                .is_none()
                .then(|| "no memory limit".to_string())
        },
    },
    Rule {
        id: "cpu-unlimited",
        severity: Severity::Low,
        title: "No CPU limit",
        reference: "CIS §5.11",
        rationale: "A busy loop in one service slows every other one on the machine.",
        fix: "Set `deploy.resources.limits.cpus`.",
        check: |subject, _| {
            subject
                .limits
                .cpus
                .is_none()
                .then(|| "no CPU limit".to_string())
        },
    },
    Rule {
        id: "pids-unlimited",
        severity: Severity::Medium,
        title: "No process limit",
        reference: "CIS §5.28",
        rationale: "Without a pids limit a fork bomb in the container exhausts the host's \
                    process table.",
        fix: "Set `deploy.resources.limits.pids`.",
        check: |subject, _| {
            subject
                .limits
                .pids
                .is_none()
                .then(|| "no pids limit".to_string())
        },
    },
    Rule {
        id: "restart-policy",
        severity: Severity::Low,
        title: "No restart policy",
        reference: "CIS §5.14",
        rationale: "A crashed service stays down until someone notices.",
        fix: "Set `restart: unless-stopped` (or `on-failure:5`).",
        check: |subject, _| match subject.restart.as_deref() {
            _ if subject.is_one_shot() => None,
            None | Some("" | "no") => Some("restart: no".to_string()),
            Some(_) => None,
        },
    },
    Rule {
        id: "healthcheck-missing",
        severity: Severity::Medium,
        title: "No healthcheck",
        reference: "CIS §5.26 and §4.6",
        rationale: "Without a healthcheck a hung service shows as running, and nothing that \
                    waits on `service_healthy` can trust it.",
        fix: "Add a `healthcheck:` that tests the real thing (an HTTP request, `pg_isready`, \
              `redis-cli ping`).",
        check: |subject, _| match subject.healthcheck {
            _ if subject.is_one_shot() => None,
            Healthcheck::Present => None,
            Healthcheck::Missing => Some("no healthcheck".to_string()),
            Healthcheck::Disabled => Some("healthcheck disabled".to_string()),
        },
    },
];
