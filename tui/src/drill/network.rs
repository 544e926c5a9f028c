//! Cutting a container off the stack's backend network, and putting it back under the same
//! aliases (compose's service name is how the other containers find it).

use super::fault::Victim;
use anyhow::{Context, bail};
use bollard::Docker;
use bollard::models::{EndpointSettings, NetworkConnectRequest, NetworkDisconnectRequest};
use bollard::query_parameters::InspectContainerOptions;

/// The network compose creates as `backend` (compose/compose.yaml) for `project`.
pub fn backend_network(project: &str) -> String {
    format!("{project}_backend")
}

/// `victim`'s aliases on `network`, or an error when it is not on it. The engine adds the
/// container's short id as an alias itself, so that one is left out.
pub async fn aliases_on(
    docker: &Docker,
    victim: &Victim,
    network: &str,
) -> anyhow::Result<Vec<String>> {
    let networks = docker
        .inspect_container(&victim.id, None::<InspectContainerOptions>)
        .await
        .with_context(|| format!("cannot inspect {}", victim.name))?
        .network_settings
        .and_then(|settings| settings.networks)
        .unwrap_or_default();
    let Some(endpoint) = networks.get(network) else {
        bail!("{} is not on the network {network}", victim.name);
    };
    let short_id: String = victim.id.chars().take(12).collect();
    Ok(endpoint
        .aliases
        .iter()
        .flatten()
        .filter(|alias| **alias != short_id)
        .cloned()
        .collect())
}

pub async fn disconnect(docker: &Docker, victim: &Victim, network: &str) -> anyhow::Result<()> {
    let request = NetworkDisconnectRequest {
        container: Some(victim.id.clone()),
        force: Some(false),
    };
    docker
        .disconnect_network(network, request)
        .await
        .with_context(|| format!("cannot disconnect {} from {network}", victim.name))
}

/// Connects `victim` to `network` under `aliases`; fine when it already is.
pub async fn reconnect(
    docker: &Docker,
    victim: &Victim,
    network: &str,
    aliases: &[String],
) -> anyhow::Result<()> {
    if aliases_on(docker, victim, network).await.is_ok() {
        return Ok(());
    }
    let request = NetworkConnectRequest {
        container: Some(victim.id.clone()),
        endpoint_config: Some(EndpointSettings {
            aliases: Some(aliases.to_vec()),
            ..Default::default()
        }),
    };
    docker
        .connect_network(network, request)
        .await
        .with_context(|| format!("cannot connect {} back to {network}", victim.name))
}
