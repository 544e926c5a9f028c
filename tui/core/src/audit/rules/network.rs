//! Ports and networks: only the front door is published, on loopback, and the data stores live on
//! an internal network.

use super::{Rule, seen};
use crate::audit::finding::Severity;
use crate::audit::subject::{Context, Subject};

/// `stack-tui.role` values of services that hold data and must stay on internal networks.
const BACKEND_ROLES: &[&str] = &["cache", "database", "queue"];

pub const RULES: &[Rule] = &[
    Rule {
        id: "port-all-interfaces",
        severity: Severity::High,
        title: "Port published on every interface",
        reference: "CIS §5.13; dclint no-unbound-port-interfaces",
        rationale: "Without a host address Docker publishes on 0.0.0.0 and opens the service to \
                    the whole network (and Docker's rules bypass the host firewall).",
        fix: "Publish on loopback: `\"127.0.0.1:8080:8080\"`.",
        check: |subject, _| {
            seen(
                subject
                    .ports
                    .iter()
                    .filter(|port| port.published.is_some())
                    .filter(|port| matches!(port.host_ip.as_str(), "" | "0.0.0.0" | "::" | "[::]"))
                    .map(|port| {
                        let host = if port.host_ip.is_empty() {
                            "*"
                        } else {
                            &port.host_ip
                        };
                        format!("{host}:{} → {}", port.published.unwrap_or(0), port.target)
                    })
                    .collect(),
            )
        },
    },
    Rule {
        id: "backend-publishes-port",
        severity: Severity::High,
        title: "Backend service publishes a port",
        reference: "CIS §5.8",
        rationale: "A service on the internal network is meant to be reachable only by the \
                    app; a published port gives the host (or more) a way around nginx.",
        fix: "Remove `ports:` from the service; reach it with `docker compose exec` instead.",
        check: |subject, context| {
            let internal = subject.networks.iter().any(|n| context.is_internal(n));
            let published: Vec<String> = subject
                .ports
                .iter()
                .filter_map(|port| port.published.map(|p| format!("{}:{p}", port.host_ip)))
                .collect();
            (internal && !published.is_empty())
                .then(|| format!("on an internal network, publishes {}", published.join(", ")))
        },
    },
    Rule {
        id: "backend-not-internal",
        severity: Severity::High,
        title: "Data store on a routed network",
        reference: "CIS §5.8 (least network exposure)",
        rationale: "Redis, Postgres and the like belong on an `internal: true` network: with a \
                    route out, a compromised store can exfiltrate, and more containers reach it.",
        fix: "Attach the service only to the internal backend network.",
        check: |subject, context| {
            if !is_backend(subject) {
                return None;
            }
            seen(
                subject
                    .networks
                    .iter()
                    .filter(|network| !context.is_internal(network))
                    .map(|network| format!("attached to non-internal network {network}"))
                    .collect(),
            )
        },
    },
    Rule {
        id: "privileged-port",
        severity: Severity::Low,
        title: "Privileged port inside the container",
        reference: "CIS §5.7",
        rationale: "Listening below 1024 needs NET_BIND_SERVICE or root in the container; \
                    unprivileged ports (8080, 8443) need neither.",
        fix: "Listen on a port ≥ 1024 in the container and map it.",
        check: |subject, _| {
            seen(
                subject
                    .ports
                    .iter()
                    .filter(|port| port.published.is_some() && port.target < 1024)
                    .map(|port| format!("container port {}", port.target))
                    .collect(),
            )
        },
    },
    Rule {
        id: "admin-listener-public",
        severity: Severity::High,
        title: "Admin listener on every interface",
        reference: "CIS §5.8",
        rationale: "edge-host's admin listener (/metrics, POST /admin/reload) has no \
                    authentication: bound to 0.0.0.0 every container on its networks and the \
                    host can reload the app.",
        fix: "Bind it to loopback (`--admin 127.0.0.1:9090`) and read it through the container.",
        check: admin_listener_public,
    },
];

fn is_backend(subject: &Subject) -> bool {
    if let Some(role) = subject.labels.get("stack-tui.role") {
        return BACKEND_ROLES.contains(&role.as_str());
    }
    let Some(image) = subject.image.as_deref() else {
        return false;
    };
    // `registry/owner/redis:7` → `redis`.
    let name = image.rsplit('/').next().unwrap_or(image);
    let name = name.split([':', '@']).next().unwrap_or(name);
    // Image names tell data stores apart in projects without our role labels.
    crate::model::DATA_STORE_NAMES.contains(&name)
}

fn admin_listener_public(subject: &Subject, _: &Context) -> Option<String> {
    let address = subject
        .command
        .iter()
        .zip(subject.command.iter().skip(1))
        .find(|(flag, _)| flag.as_str() == "--admin")
        .map(|(_, value)| value.clone())
        .or_else(|| {
            subject
                .command
                .iter()
                .find_map(|arg| arg.strip_prefix("--admin=").map(str::to_string))
        })?;
    let host = address
        .rsplit_once(':')
        .map(|(host, _)| host)
        .unwrap_or(&address);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| format!("--admin {address}"))
}
