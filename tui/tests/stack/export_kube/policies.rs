//! The NetworkPolicies, evaluated against the pods' labels: every selector selects a pod, and
//! the traffic they allow is exactly compose's isolation (nginx → app → Redis, Postgres; the
//! migrations Job → Postgres; only nginx reachable from outside; DNS only for the pods that call
//! others).

use super::support::{self, documents, kind, name};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Labels of each pod the export makes, by workload name.
fn pods(docs: &[(String, Value)]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut pods = BTreeMap::new();
    for (_, doc) in docs {
        let labels = match kind(doc) {
            "Deployment" | "StatefulSet" | "Job" => {
                doc["spec"]["template"]["metadata"]["labels"].clone()
            }
            "SpinApp" => {
                // spin-operator labels the pods with the app's name, besides spec.podLabels.
                let mut labels = doc["spec"]["podLabels"].clone();
                labels["core.spinkube.dev/app-name"] = Value::String(name(doc).to_string());
                labels
            }
            _ => continue,
        };
        let labels: BTreeMap<String, String> =
            serde_json::from_value(labels).expect("labels are a string map");
        // A Job's pods go by its name label (the Job's own name carries a digest).
        let pod = labels
            .get("app.kubernetes.io/name")
            .cloned()
            .unwrap_or_else(|| name(doc).to_string());
        pods.insert(pod, labels);
    }
    pods
}

/// The ports each pod serves on (SpinApp pods: containerd-shim-spin's port 80).
fn pod_ports(docs: &[(String, Value)]) -> BTreeMap<String, Vec<i64>> {
    docs.iter()
        .filter_map(|(_, doc)| match kind(doc) {
            "Deployment" | "StatefulSet" => {
                let ports = doc["spec"]["template"]["spec"]["containers"][0]["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|port| port["containerPort"].as_i64())
                    .collect();
                Some((name(doc).to_string(), ports))
            }
            "SpinApp" => Some((name(doc).to_string(), vec![80])),
            // The migrations Job serves nothing; its pods go by their name label.
            "Job" => doc["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
                .as_str()
                .map(|pod| (pod.to_string(), Vec::new())),
            _ => None,
        })
        .collect()
}

fn selects(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let match_labels = selector["matchLabels"].as_object().into_iter().flatten();
    let labels_ok = match_labels
        .into_iter()
        .all(|(key, value)| labels.get(key).map(String::as_str) == value.as_str());
    let expressions_ok = selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|expression| {
            let values: Vec<&str> = expression["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let value = labels.get(expression["key"].as_str().unwrap_or_default());
            match expression["operator"].as_str() {
                Some("In") => value.is_some_and(|value| values.contains(&value.as_str())),
                Some("NotIn") => value.is_none_or(|value| !values.contains(&value.as_str())),
                Some("Exists") => value.is_some(),
                Some("DoesNotExist") => value.is_none(),
                other => panic!("unknown selector operator {other:?}"),
            }
        });
    labels_ok && expressions_ok
}

/// Where traffic comes from or goes to: a pod of the namespace, or something outside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    Pod(String),
    /// Anything outside the namespace (a client, the cluster DNS in kube-system).
    Outside,
    ClusterDns,
}

fn peer_matches(
    rule_peers: &Value,
    peer: &Peer,
    pods: &BTreeMap<String, BTreeMap<String, String>>,
) -> bool {
    let Some(peers) = rule_peers.as_array() else {
        return true; // no `from`/`to`: every peer
    };
    peers.iter().any(|rule| {
        let namespace = rule.get("namespaceSelector");
        let pod_selector = rule.get("podSelector");
        match peer {
            Peer::Pod(pod) => {
                namespace.is_none() && pod_selector.is_some_and(|s| selects(s, &pods[pod]))
            }
            Peer::ClusterDns => {
                namespace.is_some_and(|s| {
                    s["matchLabels"]["kubernetes.io/metadata.name"] == "kube-system"
                }) && pod_selector.is_some_and(|s| s["matchLabels"]["k8s-app"] == "kube-dns")
            }
            Peer::Outside => false,
        }
    })
}

fn port_matches(rule_ports: &Value, port: i64) -> bool {
    match rule_ports.as_array() {
        None => true,
        Some(ports) => ports.iter().any(|p| p["port"].as_i64() == Some(port)),
    }
}

struct Policies<'a> {
    policies: Vec<&'a Value>,
    pods: BTreeMap<String, BTreeMap<String, String>>,
}

impl Policies<'_> {
    fn selecting(&self, pod: &str, direction: &str) -> Vec<&Value> {
        self.policies
            .iter()
            .copied()
            .filter(|policy| selects(&policy["spec"]["podSelector"], &self.pods[pod]))
            .filter(|policy| {
                policy["spec"]["policyTypes"]
                    .as_array()
                    .is_some_and(|types| types.iter().any(|t| t == direction))
            })
            .collect()
    }

    /// Kubernetes' rule: isolated in a direction when any policy of that type selects the pod;
    /// then allowed only if some rule of those policies allows it.
    fn allows(&self, pod: &str, direction: &str, peer: &Peer, port: i64) -> bool {
        let (rules_key, peers_key) = if direction == "Ingress" {
            ("ingress", "from")
        } else {
            ("egress", "to")
        };
        let policies = self.selecting(pod, direction);
        policies.is_empty()
            || policies.iter().any(|policy| {
                policy["spec"][rules_key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|rule| {
                        peer_matches(&rule[peers_key], peer, &self.pods)
                            && port_matches(&rule["ports"], port)
                    })
            })
    }

    fn reaches(&self, from: &Peer, to: &Peer, port: i64) -> bool {
        let egress = match from {
            Peer::Pod(pod) => self.allows(pod, "Egress", to, port),
            _ => true,
        };
        let ingress = match to {
            Peer::Pod(pod) => self.allows(pod, "Ingress", from, port),
            _ => true,
        };
        egress && ingress
    }
}

#[test]
fn network_policies_select_the_pods_they_mean_and_mirror_compose_isolation() {
    let docs = documents(support::prod_export());
    let pods = pods(&docs);
    assert_eq!(
        pods.keys().map(String::as_str).collect::<Vec<_>>(),
        ["edge-app", "migrate", "nginx", "postgres", "redis"]
    );
    let policies: Vec<&Value> = docs
        .iter()
        .filter(|(_, doc)| kind(doc) == "NetworkPolicy")
        .map(|(_, doc)| doc)
        .collect();
    // Every selector in every policy selects at least one pod (or is the cluster DNS).
    for policy in &policies {
        let selected = pods
            .values()
            .filter(|labels| selects(&policy["spec"]["podSelector"], labels))
            .count();
        assert!(selected > 0, "policy {} selects no pod", name(policy));
        for rules in ["ingress", "egress"] {
            for rule in policy["spec"][rules].as_array().into_iter().flatten() {
                for peer in rule["from"]
                    .as_array()
                    .or(rule["to"].as_array())
                    .into_iter()
                    .flatten()
                {
                    if peer.get("namespaceSelector").is_some() {
                        continue;
                    }
                    let selector = &peer["podSelector"];
                    assert!(
                        pods.values().any(|labels| selects(selector, labels)),
                        "policy {}: {selector} selects no pod",
                        name(policy)
                    );
                }
            }
        }
    }
    let policies = Policies {
        policies,
        pods: pods.clone(),
    };
    let ports = pod_ports(&docs);
    let mut peers: Vec<Peer> = pods.keys().cloned().map(Peer::Pod).collect();
    peers.push(Peer::Outside);
    let mut allowed = BTreeSet::new();
    for from in &peers {
        for to in pods.keys() {
            for port in &ports[to] {
                if from != &Peer::Pod(to.clone())
                    && policies.reaches(from, &Peer::Pod(to.clone()), *port)
                {
                    allowed.insert((from.clone(), to.clone(), *port));
                }
            }
        }
    }
    let pod = |name: &str| Peer::Pod(name.to_string());
    let expected = BTreeSet::from([
        (Peer::Outside, "nginx".to_string(), 8080),
        (Peer::Outside, "nginx".to_string(), 8443),
        (pod("nginx"), "edge-app".to_string(), 80),
        (pod("edge-app"), "redis".to_string(), 6379),
        (pod("edge-app"), "postgres".to_string(), 5432),
        (pod("migrate"), "postgres".to_string(), 5432),
    ]);
    assert_eq!(allowed, expected, "traffic the policies allow");
    // DNS only for the pods that call others.
    for (pod_name, dns) in [
        ("nginx", true),
        ("edge-app", true),
        ("migrate", true),
        ("redis", false),
        ("postgres", false),
    ] {
        assert_eq!(
            policies.reaches(&pod(pod_name), &Peer::ClusterDns, 53),
            dns,
            "{pod_name} → DNS"
        );
    }
    // Nothing in the namespace reaches outside it, except DNS.
    for pod_name in pods.keys() {
        assert!(
            !policies.reaches(&pod(pod_name), &Peer::Outside, 443),
            "{pod_name} → outside"
        );
    }
}
