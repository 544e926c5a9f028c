//! NetworkPolicies that mirror the compose networks: everything in the namespace is denied, then
//! each workload may receive from its callers and send to its callees on their ports (nginx →
//! app → Redis, Postgres; the entry accepts anyone), and the pods that call others may ask the
//! cluster DNS. Redis and Postgres get no egress at all, as on compose's internal network.

use super::stack::{Role, Stack};
use super::workload;
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

fn metadata(stack: &Stack, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(BTreeMap::from([(
            "app.kubernetes.io/part-of".to_string(),
            stack.namespace.clone(),
        )])),
        ..ObjectMeta::default()
    }
}

fn ports(numbers: &[(String, i32)], protocol: &str) -> Vec<NetworkPolicyPort> {
    numbers
        .iter()
        .map(|(_, port)| NetworkPolicyPort {
            port: Some(IntOrString::Int(*port)),
            protocol: Some(protocol.to_string()),
            ..NetworkPolicyPort::default()
        })
        .collect()
}

fn peer(stack: &Stack, role: Role) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(workload::selector(stack, role)),
        ..NetworkPolicyPeer::default()
    }
}

fn default_deny(stack: &Stack) -> NetworkPolicy {
    NetworkPolicy {
        metadata: metadata(stack, "default-deny"),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// DNS for the pods that call other services (by Service name).
fn dns_egress(stack: &Stack, callers: Vec<String>) -> NetworkPolicy {
    let dns = NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                NAMESPACE_NAME_LABEL.to_string(),
                "kube-system".to_string(),
            )])),
            ..LabelSelector::default()
        }),
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "k8s-app".to_string(),
                "kube-dns".to_string(),
            )])),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    };
    let dns_ports = [("dns".to_string(), 53)];
    let mut dns_rule_ports = ports(&dns_ports, "UDP");
    dns_rule_ports.extend(ports(&dns_ports, "TCP"));
    NetworkPolicy {
        metadata: metadata(stack, "allow-dns"),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_expressions: Some(vec![LabelSelectorRequirement {
                    key: workload::NAME_LABEL.into(),
                    operator: "In".into(),
                    values: Some(callers),
                }]),
                ..LabelSelector::default()
            }),
            policy_types: Some(vec!["Egress".into()]),
            egress: Some(vec![NetworkPolicyEgressRule {
                to: Some(vec![dns]),
                ports: Some(dns_rule_ports),
            }]),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// One workload's allowed traffic: in from its callers (anyone, for the entry), out to its callees.
fn workload_policy(stack: &Stack, role: Role) -> NetworkPolicy {
    let edges = stack.edges();
    let own_ports = stack.ports(role);
    let ingress = if role == Role::Entry {
        vec![NetworkPolicyIngressRule {
            from: None,
            ports: Some(ports(&own_ports, "TCP")),
        }]
    } else {
        let callers: Vec<NetworkPolicyPeer> = edges
            .iter()
            .filter(|(_, callee)| *callee == role)
            .map(|(caller, _)| peer(stack, *caller))
            .collect();
        if callers.is_empty() {
            Vec::new()
        } else {
            vec![NetworkPolicyIngressRule {
                from: Some(callers),
                ports: Some(ports(&own_ports, "TCP")),
            }]
        }
    };
    let egress = edges
        .iter()
        .filter(|(caller, _)| *caller == role)
        .map(|(_, callee)| NetworkPolicyEgressRule {
            to: Some(vec![peer(stack, *callee)]),
            ports: Some(ports(&stack.ports(*callee), "TCP")),
        })
        .collect::<Vec<_>>();
    NetworkPolicy {
        metadata: metadata(stack, &stack.kube_name(role)),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(workload::selector(stack, role)),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: (!ingress.is_empty()).then_some(ingress),
            egress: (!egress.is_empty()).then_some(egress),
        }),
    }
}

/// The policies of the four roles, plus `jobs`: one-shot pods (the migrations Job, by name
/// label) that talk to the database only, as on compose's backend network.
pub fn network_policies(stack: &Stack, jobs: &[&str]) -> Vec<NetworkPolicy> {
    let mut callers: Vec<String> = stack
        .edges()
        .iter()
        .map(|(caller, _)| stack.kube_name(*caller))
        .chain(jobs.iter().map(|job| job.to_string()))
        .collect();
    callers.sort();
    callers.dedup();
    let mut policies = vec![default_deny(stack), dns_egress(stack, callers)];
    policies.extend(Role::ALL.iter().map(|role| {
        let mut policy = workload_policy(stack, *role);
        if *role == Role::Database {
            admit_jobs(stack, &mut policy, jobs);
        }
        policy
    }));
    policies.extend(jobs.iter().map(|job| job_policy(stack, job)));
    policies
}

fn job_peer(job: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                workload::NAME_LABEL.to_string(),
                job.to_string(),
            )])),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    }
}

/// The database also accepts the jobs, on its own ports.
fn admit_jobs(stack: &Stack, policy: &mut NetworkPolicy, jobs: &[&str]) {
    if jobs.is_empty() {
        return;
    }
    let rule = NetworkPolicyIngressRule {
        from: Some(jobs.iter().map(|job| job_peer(job)).collect()),
        ports: Some(ports(&stack.ports(Role::Database), "TCP")),
    };
    if let Some(spec) = policy.spec.as_mut() {
        spec.ingress.get_or_insert_with(Vec::new).push(rule);
    }
}

/// A job receives nothing and sends only to the database.
fn job_policy(stack: &Stack, job: &str) -> NetworkPolicy {
    NetworkPolicy {
        metadata: metadata(stack, job),
        spec: Some(NetworkPolicySpec {
            pod_selector: job_peer(job).pod_selector,
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: None,
            egress: Some(vec![NetworkPolicyEgressRule {
                to: Some(vec![peer(stack, Role::Database)]),
                ports: Some(ports(&stack.ports(Role::Database), "TCP")),
            }]),
        }),
    }
}
