//! The topology panel's model: networks, who sits on them, published ports, service edges, and
//! anything that breaks the isolation rules (data services reachable from outside). `graph` turns
//! it into the picture's boxes and edges, `layout` places them for a screen size.

pub mod graph;
pub mod layout;

use super::state::State;
use std::collections::{BTreeMap, BTreeSet};

/// Label a service may carry to declare what it talks to, e.g. `stack-tui.upstreams: "app"`.
pub const UPSTREAMS_LABEL: &str = "stack-tui.upstreams";
/// Label marking a data service (`stack-tui.tier: data`) when its name doesn't say so.
pub const TIER_LABEL: &str = "stack-tui.tier";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkView {
    pub name: String,
    pub internal: bool,
    /// (container, address)
    pub members: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopologyView {
    pub networks: Vec<NetworkView>,
    /// "service host_ip:port->container_port"
    pub ports: Vec<String>,
    pub edges: Vec<(String, String)>,
    pub violations: Vec<Violation>,
}

/// Something that breaks the isolation rules, with what it is about so the picture can mark it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The compose service at fault.
    pub service: String,
    /// The network it should not be on, when that is the problem.
    pub network: Option<String>,
    /// The host port it should not publish (or not publish so), when that is the problem.
    pub port: Option<u16>,
    pub message: String,
}

impl Violation {
    fn new(service: &str, message: String) -> Self {
        Self {
            service: service.to_string(),
            network: None,
            port: None,
            message,
        }
    }
}

pub(crate) fn is_data_service(
    name: &str,
    image: &str,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    if let Some(tier) = labels.and_then(|labels| labels.get(TIER_LABEL)) {
        return tier == "data";
    }
    crate::model::DATA_STORE_NAMES
        .iter()
        .any(|data| name.contains(data) || image.contains(data))
}

pub fn build(state: &State) -> TopologyView {
    let mut view = TopologyView::default();
    // Engine name → (compose name, internal), from the engine first and the model as fallback.
    let mut internal_by_engine: BTreeMap<String, (String, bool)> = state
        .networks
        .iter()
        .map(|n| (n.name.clone(), (n.compose_name.clone(), n.internal)))
        .collect();
    if let Some(model) = &state.model {
        for (key, network) in &model.networks {
            let engine = network
                .name
                .clone()
                .unwrap_or_else(|| format!("{}_{key}", state.project));
            internal_by_engine
                .entry(engine)
                .or_insert((key.clone(), network.internal));
        }
    }
    let mut members: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut service_networks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for container in state.containers.values() {
        for attachment in &container.networks {
            let (compose_name, internal) = internal_by_engine
                .get(&attachment.network)
                .cloned()
                .unwrap_or((attachment.network.clone(), false));
            members
                .entry(compose_name.clone())
                .or_default()
                .push((container.name.clone(), attachment.address.clone()));
            service_networks
                .entry(container.service.clone())
                .or_default()
                .insert(compose_name.clone());
            let labels = state
                .model
                .as_ref()
                .and_then(|m| m.services.get(&container.service))
                .map(|s| &s.labels);
            if !internal && is_data_service(&container.service, &container.image, labels) {
                view.violations.push(Violation {
                    network: Some(compose_name.clone()),
                    ..Violation::new(
                        &container.service,
                        format!(
                            "{} is a data service on non-internal network {compose_name}",
                            container.name
                        ),
                    )
                });
            }
        }
        for port in &container.ports {
            view.ports
                .push(format!("{} {}", container.service, port.label()));
            let labels = state
                .model
                .as_ref()
                .and_then(|m| m.services.get(&container.service))
                .map(|s| &s.labels);
            if is_data_service(&container.service, &container.image, labels) {
                view.violations.push(Violation {
                    port: Some(port.host_port),
                    ..Violation::new(
                        &container.service,
                        format!(
                            "{} is a data service publishing port {}",
                            container.name,
                            port.label()
                        ),
                    )
                });
            }
            if port.host_ip.is_empty() || port.host_ip == "0.0.0.0" || port.host_ip == "::" {
                view.violations.push(Violation {
                    port: Some(port.host_port),
                    ..Violation::new(
                        &container.service,
                        format!(
                            "{} publishes {} on all interfaces, not loopback",
                            container.name, port.host_port
                        ),
                    )
                });
            }
        }
    }
    view.networks = internal_by_engine
        .values()
        .map(|(name, internal)| NetworkView {
            name: name.clone(),
            internal: *internal,
            members: members.remove(name).unwrap_or_default(),
        })
        .collect();
    view.networks.dedup_by(|a, b| a.name == b.name);
    add_model_findings(state, &mut view, &service_networks);
    view.ports.sort();
    view.ports.dedup();
    view.violations.sort_by(|a, b| a.message.cmp(&b.message));
    view.violations.dedup_by(|a, b| a.message == b.message);
    view
}

fn add_model_findings(
    state: &State,
    view: &mut TopologyView,
    attached: &BTreeMap<String, BTreeSet<String>>,
) {
    let Some(model) = &state.model else { return };
    let internal = |network: &str| model.networks.get(network).is_some_and(|n| n.internal);
    for (name, service) in &model.services {
        let declared: Vec<String> = service
            .labels
            .get(UPSTREAMS_LABEL)
            .map(|list| {
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut upstreams: BTreeSet<String> = service.depends_on.iter().cloned().collect();
        upstreams.extend(declared.iter().cloned());
        // An entry service (it publishes ports) with nothing declared is taken to proxy to the
        // non-data services it shares a network with — nginx → app in the bundled stack.
        if !service.ports.is_empty() && upstreams.is_empty() {
            for (other, other_service) in &model.services {
                let shares = other_service
                    .networks
                    .iter()
                    .any(|n| service.networks.contains(n));
                let image = other_service.image.as_deref().unwrap_or("");
                if other != name
                    && shares
                    && other_service.ports.is_empty()
                    && !is_data_service(other, image, Some(&other_service.labels))
                {
                    upstreams.insert(other.clone());
                }
            }
        }
        for upstream in upstreams {
            view.edges.push((name.clone(), upstream));
        }
        let networks = attached
            .get(name)
            .cloned()
            .unwrap_or_else(|| service.networks.iter().cloned().collect());
        if !service.ports.is_empty() && !networks.is_empty() && networks.iter().all(|n| internal(n))
        {
            view.violations.push(Violation::new(
                name,
                format!(
                    "{name} configures ports but is only on internal networks, so nothing is published"
                ),
            ));
        }
        let image = service.image.as_deref().unwrap_or("");
        if is_data_service(name, image, Some(&service.labels)) && !service.ports.is_empty() {
            view.violations.push(Violation::new(
                name,
                format!("{name} is a data service with ports: in its compose definition"),
            ));
        }
    }
    view.edges.sort();
}
