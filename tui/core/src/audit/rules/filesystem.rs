//! The filesystem: a read-only root, and nothing of the host's that should stay the host's.

use super::{Rule, seen};
use crate::audit::finding::Severity;
use crate::audit::subject::MountKind;

const DOCKER_SOCKETS: &[&str] = &["/var/run/docker.sock", "/run/docker.sock"];

/// Host paths whose contents (or writes to them) compromise the host.
const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/root",
    "/sys",
    "/usr",
    "/var/lib/docker",
];

pub const RULES: &[Rule] = &[
    Rule {
        id: "rootfs-writable",
        severity: Severity::Medium,
        title: "Writable root filesystem",
        reference: "CIS §5.12",
        rationale: "A writable root lets an intruder drop tools and change binaries that later \
                    runs trust.",
        fix: "Set `read_only: true` and give each path the process writes a `tmpfs` (or a \
              volume for data).",
        check: |subject, _| (!subject.read_only).then(|| "read_only is not set".to_string()),
    },
    Rule {
        id: "docker-socket",
        severity: Severity::Critical,
        title: "Docker socket mounted",
        reference: "CIS §5.31",
        rationale: "Whoever reaches the Engine API can start a privileged container: the socket \
                    is root on the host.",
        fix: "Remove the socket mount; give the service a narrower API proxy if it must see \
              containers.",
        check: |subject, _| {
            seen(
                subject
                    .mounts
                    .iter()
                    .filter(|mount| DOCKER_SOCKETS.contains(&mount.source.as_str()))
                    .map(|mount| format!("{} → {}", mount.source, mount.target))
                    .collect(),
            )
        },
    },
    Rule {
        id: "sensitive-host-path",
        severity: Severity::High,
        title: "Sensitive host path mounted",
        reference: "CIS §5.5",
        rationale: "System directories of the host (/etc, /proc, /sys, …) leak secrets and, when \
                    writable, let the container change the host.",
        fix: "Mount only the project's own files, read-only.",
        check: |subject, _| {
            seen(
                subject
                    .mounts
                    .iter()
                    .filter(|mount| mount.kind == MountKind::Bind)
                    .filter(|mount| {
                        let source = mount.source.trim_end_matches('/');
                        let source = if source.is_empty() { "/" } else { source };
                        SENSITIVE_HOST_PATHS.contains(&source)
                    })
                    .map(|mount| format!("{} → {}", mount.source, mount.target))
                    .collect(),
            )
        },
    },
    Rule {
        id: "bind-mount-writable",
        severity: Severity::Medium,
        title: "Host folder mounted writable",
        reference: "CIS §5.5",
        rationale: "A writable bind mount lets the container change files on the host, which \
                    the host (or another container) may later read or run.",
        fix: "Add `read_only: true` to the mount, or use a named volume for data the service \
              writes.",
        check: |subject, _| {
            seen(
                subject
                    .mounts
                    .iter()
                    .filter(|mount| mount.kind == MountKind::Bind && !mount.read_only)
                    .map(|mount| format!("{} → {} (read-write)", mount.source, mount.target))
                    .collect(),
            )
        },
    },
    Rule {
        id: "mount-propagation-shared",
        severity: Severity::Medium,
        title: "Shared mount propagation",
        reference: "CIS §5.19",
        rationale: "With shared propagation, mounts made in the container appear on the host.",
        fix: "Drop `bind.propagation: shared/rshared` (the default is private).",
        check: |subject, _| {
            seen(
                subject
                    .mounts
                    .iter()
                    .filter(|mount| {
                        matches!(mount.propagation.as_deref(), Some("shared" | "rshared"))
                    })
                    .map(|mount| format!("{} ({})", mount.target, mount.propagation_label()))
                    .collect(),
            )
        },
    },
    Rule {
        id: "host-device",
        severity: Severity::High,
        title: "Host device exposed",
        reference: "CIS §5.17",
        rationale: "A device node gives direct access to host hardware, below every container \
                    boundary.",
        fix: "Remove `devices:`; a web stack needs none.",
        check: |subject, _| {
            seen(
                subject
                    .devices
                    .iter()
                    .map(|device| format!("device {device}"))
                    .collect(),
            )
        },
    },
];

impl crate::audit::subject::Mount {
    fn propagation_label(&self) -> &str {
        self.propagation.as_deref().unwrap_or("private")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::subject::{Context, Subject};

    #[test]
    fn the_root_of_the_host_counts_as_sensitive() {
        let subject = Subject {
            mounts: vec![crate::audit::subject::Mount {
                kind: MountKind::Bind,
                source: "/".into(),
                target: "/host".into(),
                read_only: true,
                propagation: None,
            }],
            ..Subject::default()
        };
        let rule = RULES
            .iter()
            .find(|rule| rule.id == "sensitive-host-path")
            .expect("rule");
        assert!((rule.check)(&subject, &Context::default()).is_some());
    }
}
