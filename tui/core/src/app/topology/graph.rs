//! What the topology picture shows: a box per published host port and per replica of every
//! long-running service, the zones (host and networks) they sit in, and the edges between them.
//! Built from the same [`TopologyView`](super::TopologyView) as the list, so both views agree;
//! `layout` places it for a screen size.

use super::{State, Violation, is_data_service};
use crate::metrics::Rates;
use crate::model::container::{ContainerSnapshot, Health, RunState};
use crate::model::readiness::Readiness;
use std::collections::{BTreeMap, BTreeSet};

/// Where a box stands, left to right: the request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// A port published on the host.
    Host,
    /// A service that publishes a port (nginx).
    Entry,
    /// Everything that is neither entry nor data: app replicas, a worker.
    Middle,
    /// Data stores (Redis, Postgres).
    Data,
}

/// How a box is coloured: by health and readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Healthy, ready, or running without a healthcheck.
    Good,
    /// Starting, not probed yet, paused, restarting.
    Pending,
    /// Unhealthy, not ready, exited.
    Bad,
    /// No container (the profile is not up).
    Idle,
    /// Not a container: a host port.
    Plain,
}

/// `0.4/s`, `12/s`, `1.2k/s`: the requests per second into a box, above its edge.
pub fn rate_label(rates: &Rates) -> String {
    let rate = rates.requests.max(0.0);
    if rate >= 999.5 {
        format!("{:.1}k/s", rate / 1000.0)
    } else if rate >= 9.95 {
        format!("{rate:.0}/s")
    } else {
        format!("{rate:.1}/s")
    }
}

/// `5xx 3%` below the edge (`5xx <1%` for a few), or `None` when nothing was answered 5xx.
pub fn error_label(rates: &Rates) -> Option<String> {
    if rates.server_errors <= 0.0 || rates.requests <= 0.0 {
        return None;
    }
    let percent = (rates.error_ratio() * 100.0).min(100.0);
    Some(if percent < 1.0 {
        "5xx <1%".to_string()
    } else {
        format!("5xx {percent:.0}%")
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub service: String,
    /// On the box's top border: `nginx`, `app 2`, `host`.
    pub title: String,
    /// Inside the box: `healthy`, `not ready`, `127.0.0.1:8080`.
    pub status: String,
    /// A shorter status for narrow screens (host ports: `:8080`).
    pub short_status: Option<String>,
    pub tone: Tone,
    pub tier: Tier,
    /// The container drawn, for per-replica figures.
    pub container: Option<String>,
    /// Indexes into [`Graph::zones`].
    pub zones: Vec<usize>,
    /// Named by an isolation violation: drawn in red.
    pub violation: bool,
    /// Requests arriving at the box, over the metrics' current span; `None`: no figure (yet).
    pub traffic: Option<Rates>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneKind {
    Host,
    Public,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    pub kind: ZoneKind,
    /// A violation names this network: drawn in red.
    pub violation: bool,
}

impl Zone {
    /// `frontend · public`, `backend · internal`, `host`.
    pub fn label(&self) -> String {
        match self.kind {
            ZoneKind::Host => self.name.clone(),
            ZoneKind::Public => format!("{} · public", self.name),
            ZoneKind::Internal => format!("{} · internal", self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// A port published where it should not be.
    pub violation: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub zones: Vec<Zone>,
    pub violations: Vec<Violation>,
}

/// A title stays short enough for a box on an 80-column screen.
const TITLE_MAX: usize = 16;

/// The picture of the state: one box per replica (one-shots left out: they serve no request),
/// with the current request and 5xx rates into the entry (from its access lines) and into each
/// app replica (its `/metrics`, else nginx's lines naming it) where the metrics have them.
pub fn build(state: &State) -> Graph {
    build_with(state, |node| match node.tier {
        Tier::Entry => state.metrics.rates(&node.service),
        Tier::Middle => node
            .container
            .as_deref()
            .and_then(|id| state.metrics.replica_rates(id)),
        Tier::Host | Tier::Data => None,
    })
}

/// As [`build`], with the requests arriving at each box from `traffic` (`None`: no figure yet).
pub fn build_with(state: &State, traffic: impl Fn(&Node) -> Option<Rates>) -> Graph {
    let view = super::build(state);
    let mut graph = Graph {
        violations: view.violations.clone(),
        ..Graph::default()
    };
    let services = services(state);
    // Zones: the host first, then each network with someone on it.
    let mut zone_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut network_of: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for network in &view.networks {
        for (container, _) in &network.members {
            network_of
                .entry(container.as_str())
                .or_default()
                .insert(network.name.clone());
        }
    }
    let mut zone_index = |graph: &mut Graph, name: &str, kind: ZoneKind| -> usize {
        *zone_of.entry(name.to_string()).or_insert_with(|| {
            graph.zones.push(Zone {
                name: name.to_string(),
                kind,
                violation: false,
            });
            graph.zones.len() - 1
        })
    };
    let internal = |name: &str| view.networks.iter().any(|n| n.name == name && n.internal);
    let mut nodes_of: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut host_ports: Vec<(String, u16, String)> = Vec::new();
    for (name, service) in &services {
        let replicas = service.containers.len().max(1);
        let networks_of = |container: Option<&ContainerSnapshot>| -> BTreeSet<String> {
            match container {
                Some(c) => network_of.get(c.name.as_str()).cloned().unwrap_or_default(),
                None => service.networks.clone(),
            }
        };
        let containers: Vec<Option<&ContainerSnapshot>> = if service.containers.is_empty() {
            vec![None]
        } else {
            service.containers.iter().map(|c| Some(*c)).collect()
        };
        for (index, container) in containers.into_iter().enumerate() {
            let title = if replicas > 1 {
                format!(
                    "{name} {}",
                    container.map_or(index + 1, |c| replica(c, index))
                )
            } else {
                name.clone()
            };
            let (status, tone) = match container {
                Some(c) => status(c, state.readiness.get(&c.id).map(|r| &r.readiness)),
                None => ("absent".to_string(), Tone::Idle),
            };
            let mut zones: Vec<usize> = networks_of(container)
                .iter()
                .map(|network| {
                    let kind = if internal(network) {
                        ZoneKind::Internal
                    } else {
                        ZoneKind::Public
                    };
                    zone_index(&mut graph, network, kind)
                })
                .collect();
            zones.sort_unstable();
            graph.nodes.push(Node {
                service: name.clone(),
                title: shorten(&title),
                status,
                short_status: None,
                tone,
                tier: service.tier,
                container: container.map(|c| c.id.clone()),
                zones,
                violation: false,
                traffic: None,
            });
            let node = graph.nodes.len() - 1;
            nodes_of.entry(name.clone()).or_default().push(node);
            match container {
                Some(c) => {
                    for port in &c.ports {
                        host_ports.push((port.host_ip.clone(), port.host_port, c.id.clone()));
                    }
                }
                None => {
                    for (host_ip, port) in &service.configured_ports {
                        host_ports.push((host_ip.clone(), *port, name.clone()));
                    }
                }
            }
        }
    }
    // Host ports, each pointing at the box that publishes it (a container, or the service when
    // it has none yet).
    host_ports.sort();
    host_ports.dedup();
    let host_nodes: Vec<(usize, usize)> = host_ports
        .iter()
        .filter_map(|(host_ip, port, owner)| {
            let target = graph.nodes.iter().position(|n| {
                n.tier != Tier::Host
                    && (n.container.as_deref() == Some(owner.as_str())
                        || (n.container.is_none() && &n.service == owner))
            })?;
            let zone = zone_index(&mut graph, "host", ZoneKind::Host);
            let shown_ip = if host_ip.is_empty() { "*" } else { host_ip };
            graph.nodes.push(Node {
                service: graph.nodes[target].service.clone(),
                title: "host".into(),
                status: format!("{shown_ip}:{port}"),
                short_status: Some(format!(":{port}")),
                tone: Tone::Plain,
                tier: Tier::Host,
                container: None,
                zones: vec![zone],
                violation: false,
                traffic: None,
            });
            Some((graph.nodes.len() - 1, target))
        })
        .collect();
    for (from, to) in host_nodes {
        graph.edges.push(Edge {
            from,
            to,
            violation: false,
        });
    }
    for (from, to) in &view.edges {
        for a in nodes_of.get(from).into_iter().flatten() {
            for b in nodes_of.get(to).into_iter().flatten() {
                graph.edges.push(Edge {
                    from: *a,
                    to: *b,
                    violation: false,
                });
            }
        }
    }
    mark_violations(&mut graph);
    for node in &mut graph.nodes {
        node.traffic = traffic(node);
    }
    order(&mut graph);
    graph
}

/// A long-running service as the picture needs it: from the model and the containers.
struct Service<'a> {
    tier: Tier,
    containers: Vec<&'a ContainerSnapshot>,
    /// Compose network names, for a service without containers.
    networks: BTreeSet<String>,
    /// (host ip, port) the model publishes, for a service without containers.
    configured_ports: Vec<(String, u16)>,
}

fn services(state: &State) -> BTreeMap<String, Service<'_>> {
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    let model = state.model.as_ref();
    for (name, service) in model.map(|m| &m.services).into_iter().flatten() {
        if service.is_one_shot() {
            continue;
        }
        let configured_ports: Vec<(String, u16)> = service
            .ports
            .iter()
            .filter_map(|port| Some((port.host_ip.clone(), port.published?)))
            .collect();
        let image = service.image.as_deref().unwrap_or("");
        services.insert(
            name.clone(),
            Service {
                tier: tier(
                    is_data_service(name, image, Some(&service.labels)),
                    !configured_ports.is_empty(),
                ),
                containers: Vec::new(),
                networks: service.networks.iter().cloned().collect(),
                configured_ports,
            },
        );
    }
    for container in state.containers.values().filter(|c| !c.one_shot) {
        let labels = model
            .and_then(|m| m.services.get(&container.service))
            .map(|s| &s.labels);
        let data = is_data_service(&container.service, &container.image, labels);
        let entry = services
            .entry(container.service.clone())
            .or_insert_with(|| Service {
                tier: tier(data, false),
                containers: Vec::new(),
                networks: BTreeSet::new(),
                configured_ports: Vec::new(),
            });
        if !container.ports.is_empty() && entry.tier == Tier::Middle {
            entry.tier = Tier::Entry;
        }
        entry.containers.push(container);
    }
    for service in services.values_mut() {
        service
            .containers
            .sort_by_key(|c| (replica(c, 0), c.name.clone()));
    }
    services
}

/// Data stores stay data even when they publish (that is a violation, drawn so); otherwise a
/// service that publishes is the entry.
fn tier(data: bool, publishes: bool) -> Tier {
    match (data, publishes) {
        (true, _) => Tier::Data,
        (false, true) => Tier::Entry,
        (false, false) => Tier::Middle,
    }
}

/// Compose's replica number, the `2` of `stack-dev-app-2`; else the position.
fn replica(container: &ContainerSnapshot, index: usize) -> usize {
    container
        .name
        .rsplit_once('-')
        .and_then(|(_, number)| number.parse().ok())
        .unwrap_or(index + 1)
}

fn shorten(title: &str) -> String {
    if title.chars().count() <= TITLE_MAX {
        return title.to_string();
    }
    let kept: String = title.chars().take(TITLE_MAX - 1).collect();
    format!("{kept}…")
}

/// The word in the box and its colour: the run state first, then health, then (for app
/// replicas) readiness, so a live but not ready replica is never green.
fn status(container: &ContainerSnapshot, readiness: Option<&Readiness>) -> (String, Tone) {
    let (word, tone) = match container.state {
        RunState::Running => match (container.health, container.is_running_app(), readiness) {
            (Health::Unhealthy, _, _) => ("unhealthy", Tone::Bad),
            (_, true, Some(Readiness::NotReady { .. })) => ("not ready", Tone::Bad),
            (Health::Starting, _, _) => ("starting", Tone::Pending),
            (_, true, None) => ("checking", Tone::Pending),
            (_, true, Some(Readiness::Ready)) => ("ready", Tone::Good),
            (Health::Healthy, false, _) => ("healthy", Tone::Good),
            (Health::None, false, _) => ("running", Tone::Good),
        },
        RunState::Exited | RunState::Dead => (container.state.as_str(), Tone::Bad),
        RunState::Unknown => (container.state.as_str(), Tone::Idle),
        RunState::Restarting | RunState::Paused | RunState::Created | RunState::Removing => {
            (container.state.as_str(), Tone::Pending)
        }
    };
    (word.to_string(), tone)
}

/// Red for what a violation names: the service's boxes, the network it should not be on, and
/// the host port it should not publish with its edge.
fn mark_violations(graph: &mut Graph) {
    for violation in &graph.violations {
        for node in &mut graph.nodes {
            if node.service != violation.service {
                continue;
            }
            let port_matches = violation
                .port
                .is_some_and(|port| node.status.ends_with(&format!(":{port}")));
            match node.tier {
                Tier::Host => node.violation |= port_matches,
                _ => node.violation = true,
            }
        }
        if let Some(network) = &violation.network {
            for zone in &mut graph.zones {
                zone.violation |= &zone.name == network && zone.kind != ZoneKind::Host;
            }
        }
    }
    for edge in &mut graph.edges {
        edge.violation =
            graph.nodes[edge.from].tier == Tier::Host && graph.nodes[edge.from].violation;
    }
}

/// Nodes in drawing order: by tier, then service and replica as built; zones by the first tier
/// on them (host, frontend, backend), with indexes kept consistent.
fn order(graph: &mut Graph) {
    let mut nodes: Vec<usize> = (0..graph.nodes.len()).collect();
    nodes.sort_by_key(|&i| (graph.nodes[i].tier, i));
    let mut zones: Vec<usize> = (0..graph.zones.len()).collect();
    let first_tier = |zone: usize| {
        graph
            .nodes
            .iter()
            .filter(|n| n.zones.contains(&zone))
            .map(|n| n.tier)
            .min()
    };
    zones.sort_by_key(|&z| (first_tier(z), graph.zones[z].kind == ZoneKind::Internal, z));
    let new_node = inverse(&nodes);
    let new_zone = inverse(&zones);
    let old_nodes = std::mem::take(&mut graph.nodes);
    let old_zones = std::mem::take(&mut graph.zones);
    graph.nodes = nodes
        .iter()
        .map(|&i| {
            let mut node = old_nodes[i].clone();
            node.zones = node.zones.iter().map(|&z| new_zone[z]).collect();
            node.zones.sort_unstable();
            node
        })
        .collect();
    graph.zones = zones.iter().map(|&z| old_zones[z].clone()).collect();
    for edge in &mut graph.edges {
        edge.from = new_node[edge.from];
        edge.to = new_node[edge.to];
    }
    graph.edges.sort_by_key(|e| (e.from, e.to));
    graph.edges.dedup();
}

/// For a list of old indexes in their new order: the new index of each old one.
fn inverse(order: &[usize]) -> Vec<usize> {
    let mut inverse = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        inverse[old] = new;
    }
    inverse
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(requests: f64, server_errors: f64) -> Rates {
        Rates {
            requests,
            client_errors: 0.0,
            server_errors,
        }
    }

    #[test]
    fn edge_labels_stay_short_and_say_nothing_of_errors_that_did_not_happen() {
        let cases = [
            (0.0, 0.0, "0.0/s", None),
            (0.42, 0.0, "0.4/s", None),
            (12.3, 0.0, "12/s", None),
            (999.0, 0.0, "999/s", None),
            (1234.0, 0.0, "1.2k/s", None),
            (20.0, 1.0, "20/s", Some("5xx 5%")),
            (12.0, 1.0, "12/s", Some("5xx 8%")),
            (500.0, 1.0, "500/s", Some("5xx <1%")),
            (4.0, 4.0, "4.0/s", Some("5xx 100%")),
        ];
        for (requests, errors, rate, error) in cases {
            let r = rates(requests, errors);
            assert_eq!(rate_label(&r), rate, "{requests}");
            assert_eq!(error_label(&r).as_deref(), error, "{requests} {errors}");
        }
    }

    #[test]
    fn zones_name_what_kind_of_network_they_are() {
        let zone = |kind| Zone {
            name: "backend".into(),
            kind,
            violation: false,
        };
        assert_eq!(zone(ZoneKind::Internal).label(), "backend · internal");
        assert_eq!(zone(ZoneKind::Public).label(), "backend · public");
        assert_eq!(zone(ZoneKind::Host).label(), "backend");
    }
}
