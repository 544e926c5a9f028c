//! Namespaces: a container shares none of the host's.

use super::Rule;
use crate::audit::finding::Severity;

/// `host` shares the host's namespace; a `container:x` mode shares a sibling's, which is fine.
fn is_host(mode: &Option<String>) -> bool {
    mode.as_deref() == Some("host")
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "host-network",
        severity: Severity::High,
        title: "Host network namespace",
        reference: "CIS §5.9",
        rationale: "With the host's network the container binds any host port, sees every \
                    interface and bypasses the stack's network isolation.",
        fix: "Remove `network_mode: host`; publish the ports it needs on 127.0.0.1.",
        check: |subject, _| {
            is_host(&subject.namespaces.network).then(|| "network_mode: host".to_string())
        },
    },
    Rule {
        id: "host-pid",
        severity: Severity::High,
        title: "Host PID namespace",
        reference: "CIS §5.15",
        rationale: "The container sees (and with the right uid signals or traces) every process \
                    on the host.",
        fix: "Remove `pid: host`.",
        check: |subject, _| is_host(&subject.namespaces.pid).then(|| "pid: host".to_string()),
    },
    Rule {
        id: "host-ipc",
        severity: Severity::High,
        title: "Host IPC namespace",
        reference: "CIS §5.16",
        rationale: "Shared memory and semaphores of host processes become readable and writable.",
        fix: "Remove `ipc: host`.",
        check: |subject, _| is_host(&subject.namespaces.ipc).then(|| "ipc: host".to_string()),
    },
    Rule {
        id: "host-uts",
        severity: Severity::Medium,
        title: "Host UTS namespace",
        reference: "CIS §5.20",
        rationale: "The container can change the host's hostname and domain name.",
        fix: "Remove `uts: host`.",
        check: |subject, _| is_host(&subject.namespaces.uts).then(|| "uts: host".to_string()),
    },
    Rule {
        id: "host-userns",
        severity: Severity::Medium,
        title: "Host user namespace",
        reference: "CIS §5.30",
        rationale: "Where the daemon remaps users, `userns_mode: host` opts out: root in the \
                    container is root on the host again.",
        fix: "Remove `userns_mode: host`.",
        check: |subject, _| {
            is_host(&subject.namespaces.userns).then(|| "userns_mode: host".to_string())
        },
    },
];
