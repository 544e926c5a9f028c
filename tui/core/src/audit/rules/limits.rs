//! Limits and lifecycle: a runaway service cannot starve the machine, and a dead one comes back.

use super::Rule;
use crate::audit::finding::Severity;
use crate::audit::subject::{Context, Healthcheck, Subject};

/// edge-host's defaults for `--max-instances` and `--memory-limit-mb` (edge-host's
/// `Limits::default()`), sized for a host rather than a container.
const EDGE_HOST_DEFAULT_INSTANCES: u64 = 256;
const EDGE_HOST_DEFAULT_INSTANCE_MIB: u64 = 128;
/// What edge-host needs beside its instances: compiled code, pools, buffers, the runtime, and
/// the compiled component on its /tmp tmpfs (charged to the container). Measured: 66–69 MiB at
/// rest per prod app replica (`docker stats`).
const EDGE_HOST_OWN_MIB: u64 = 72;
const MIB: u64 = 1024 * 1024;

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
        id: "edge-host-instances-exceed-memory",
        severity: Severity::Medium,
        title: "edge-host may take more instance memory than its container has",
        reference: "edge-host README (--max-instances, --memory-limit-mb); CIS §5.10",
        rationale: "Every request in progress runs in its own instance with up to \
                    --memory-limit-mb of linear memory. When the instances times that memory \
                    is more than the container's limit, a burst of requests gets edge-host \
                    killed by the OOM killer, with every request in it, instead of a 503 for \
                    the requests beyond its instances.",
        fix: "Set `EDGE_HOST_MAX_INSTANCES` and `EDGE_HOST_MEMORY_LIMIT_MB` so that their \
              product plus 72 MiB for edge-host itself fits \
              `deploy.resources.limits.memory` (edge-host's defaults, 256 × 128 MiB, are for a \
              host, not a container).",
        check: edge_host_instances_exceed_memory,
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

/// A long-running edge-host server (any `EDGE_HOST_*` setting, not a one-shot) whose instances
/// could take more memory than its limit leaves. Without a memory limit `memory-unlimited` fires.
fn edge_host_instances_exceed_memory(subject: &Subject, _: &Context) -> Option<String> {
    let runs_edge_host = subject
        .environment
        .keys()
        .any(|name| name.starts_with("EDGE_HOST_"));
    if !runs_edge_host || subject.is_one_shot() {
        return None;
    }
    let limit = subject.limits.memory_bytes? / MIB;
    let setting = |name: &str, default: u64| match subject.environment.get(name) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("{name}={text} is not a number")),
    };
    let (instances, per_instance) = match (
        setting("EDGE_HOST_MAX_INSTANCES", EDGE_HOST_DEFAULT_INSTANCES),
        setting("EDGE_HOST_MEMORY_LIMIT_MB", EDGE_HOST_DEFAULT_INSTANCE_MIB),
    ) {
        (Ok(instances), Ok(per_instance)) => (instances, per_instance),
        (Err(problem), _) | (_, Err(problem)) => return Some(problem),
    };
    let needed = instances
        .saturating_mul(per_instance)
        .saturating_add(EDGE_HOST_OWN_MIB);
    (needed > limit).then(|| {
        format!(
            "{instances} instances × {per_instance} MiB + {EDGE_HOST_OWN_MIB} MiB for edge-host = \
             {needed} MiB, memory limit {limit} MiB"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::subject::Limits;

    fn server(memory_mib: Option<u64>, env: &[(&str, &str)]) -> Subject {
        Subject {
            service: "app".into(),
            environment: env
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            limits: Limits {
                memory_bytes: memory_mib.map(|mib| mib * MIB),
                ..Limits::default()
            },
            ..Subject::default()
        }
    }

    /// What the case is, the memory limit in MiB, the environment, whether the rule fires.
    type Case<'a> = (&'a str, Option<u64>, &'a [(&'a str, &'a str)], bool);

    fn fires(subject: &Subject) -> Option<String> {
        edge_host_instances_exceed_memory(subject, &Context::default())
    }

    #[test]
    fn edge_host_instances_must_fit_the_memory_limit() {
        let sized = [
            ("EDGE_HOST_MAX_INSTANCES", "12"),
            ("EDGE_HOST_MEMORY_LIMIT_MB", "8"),
        ];
        let cases: &[Case] = &[
            ("12 × 8 + 72 = 168 of 192", Some(192), &sized, false),
            ("exactly full", Some(168), &sized, false),
            ("one MiB short", Some(167), &sized, true),
            (
                "defaults: 256 × 128",
                Some(512),
                &[("EDGE_HOST_LOG", "info")],
                true,
            ),
            (
                "default memory per instance",
                Some(512),
                &[("EDGE_HOST_MAX_INSTANCES", "4")],
                true,
            ),
            (
                "not a number",
                Some(512),
                &[("EDGE_HOST_MAX_INSTANCES", "many")],
                true,
            ),
            (
                "no memory limit: memory-unlimited says so",
                None,
                &[("EDGE_HOST_LOG", "info")],
                false,
            ),
            ("not edge-host", Some(64), &[("PGDATA", "/data")], false),
        ];
        for (what, memory, env, expected) in cases {
            let seen = fires(&server(*memory, env));
            assert_eq!(seen.is_some(), *expected, "{what}: {seen:?}");
        }
        let seen = fires(&server(Some(167), &sized)).unwrap_or_default();
        assert!(seen.contains("12 instances × 8 MiB"), "{seen}");
        let mut job = server(Some(64), &[("EDGE_HOST_LOG", "warn")]);
        job.labels
            .insert("stack-tui.one-shot".into(), "true".into());
        assert_eq!(fires(&job), None, "a one-shot serves no requests");
    }
}
