//! One more replica through the Engine API, as a copy of a running sibling: what `docker compose
//! up --scale` would create, without compose loading the project and walking the app's
//! dependencies first (1.8–3 s per replica, and a re-run of the migrations).
//!
//! A copy is only what compose would create when the sibling's configuration is the one the files
//! give now (the configuration-hash label compose stamps on it matches), which holds for a
//! rollout of a new build: only the image behind the tag changed. The copy gets the next replica
//! number, the new image's id in compose's image label, and the sibling's networks with the
//! `app` alias, so the next `up -d` finds it up to date and nginx resolves it like any other.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, NetworkConnectRequest,
    NetworkingConfig,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, RemoveContainerOptionsBuilder,
    StartContainerOptions,
};
use stack_core::model::container::ContainerSnapshot;

use super::super::StepContext;
use super::SERVICE;

const CONFIG_HASH: &str = "com.docker.compose.config-hash";
const NUMBER: &str = "com.docker.compose.container-number";
const IMAGE: &str = "com.docker.compose.image";

/// A running replica whose configuration is current, to copy new replicas from.
pub(super) struct Template {
    inspected: ContainerInspectResponse,
}

impl Template {
    /// The image reference the replicas start from (`stack-tui/app:<profile>`); the build has
    /// moved it to the new image, a rollback back to the previous one.
    pub(super) fn reference(&self) -> &str {
        self.inspected
            .config
            .as_ref()
            .and_then(|config| config.image.as_deref())
            .unwrap_or_default()
    }
}

impl StepContext {
    /// The template for this rollout, or `None` (with the reason logged) when compose must create
    /// the replicas: the configuration changed too, or the sibling cannot be read.
    pub(super) async fn clone_template(&self, sibling: &ContainerSnapshot) -> Option<Template> {
        let wanted = match self.compose.config_hashes().await {
            Ok(hashes) => hashes.get(SERVICE).cloned(),
            Err(err) => {
                tracing::info!(%err, "no configuration hash; compose starts the replicas");
                return None;
            }
        };
        let inspected = self
            .docker
            .inspect_container(&sibling.id, None::<InspectContainerOptions>)
            .await
            .map_err(|err| tracing::info!(%err, "cannot inspect {}", sibling.name))
            .ok()?;
        let running = inspected
            .config
            .as_ref()
            .and_then(|config| config.labels.as_ref())
            .and_then(|labels| labels.get(CONFIG_HASH));
        if wanted.is_none() || running != wanted.as_ref() {
            tracing::info!("the app's configuration changed; compose starts the replicas");
            return None;
        }
        Some(Template { inspected })
    }

    /// Creates and starts replica `number` from `template` on the image `reference` names now;
    /// returns the new container's id. A container created before a failure is removed.
    pub(super) async fn start_clone(
        &self,
        template: &Template,
        reference: &str,
        number: u32,
    ) -> Result<String, String> {
        let image_id = self
            .docker
            .inspect_image(reference)
            .await
            .map_err(|err| format!("cannot inspect {reference}: {err}"))?
            .id
            .ok_or_else(|| format!("the engine names no id for {reference}"))?;
        let name = format!("{}-{SERVICE}-{number}", self.compose.profile().project);
        let (body, more_networks) =
            clone_body(&template.inspected, reference, &image_id, &name, number)?;
        let options = CreateContainerOptionsBuilder::default().name(&name).build();
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(|err| format!("cannot create {name}: {err}"))?;
        let started = self
            .connect_and_start(&created.id, &name, more_networks)
            .await;
        if let Err(why) = started {
            let force = RemoveContainerOptionsBuilder::default().force(true).build();
            if let Err(err) = self.docker.remove_container(&created.id, Some(force)).await {
                tracing::warn!(%err, "removing the half-made replica {name} failed");
            }
            return Err(why);
        }
        Ok(created.id)
    }

    async fn connect_and_start(
        &self,
        id: &str,
        name: &str,
        networks: Vec<(String, EndpointSettings)>,
    ) -> Result<(), String> {
        // Engine 20.10 (API 1.41) attaches one network at creation; the others come before start.
        for (network, endpoint) in networks {
            let request = NetworkConnectRequest {
                container: Some(id.to_string()),
                endpoint_config: Some(endpoint),
            };
            self.docker
                .connect_network(&network, request)
                .await
                .map_err(|err| format!("cannot connect {name} to {network}: {err}"))?;
        }
        self.docker
            .start_container(id, None::<StartContainerOptions>)
            .await
            .map_err(|err| format!("cannot start {name}: {err}"))
    }
}

/// The creation body for a copy of `template` named `name`, and the networks to connect before
/// start. Fields the engine fills in per container (hostname, MAC address, addresses, endpoint
/// ids) are left for it to choose.
fn clone_body(
    template: &ContainerInspectResponse,
    reference: &str,
    image_id: &str,
    name: &str,
    number: u32,
) -> Result<(ContainerCreateBody, Vec<(String, EndpointSettings)>), String> {
    let config = template
        .config
        .clone()
        .ok_or("the template replica has no configuration")?;
    let host_config = template
        .host_config
        .clone()
        .ok_or("the template replica has no host configuration")?;
    let mut labels = config.labels.unwrap_or_default();
    labels.insert(NUMBER.into(), number.to_string());
    labels.insert(IMAGE.into(), image_id.to_string());
    let primary = host_config.network_mode.clone().unwrap_or_default();
    let mut endpoints: Vec<(String, EndpointSettings)> = template
        .network_settings
        .as_ref()
        .and_then(|settings| settings.networks.clone())
        .unwrap_or_default()
        .into_keys()
        .map(|network| {
            let endpoint = EndpointSettings {
                aliases: Some(vec![name.to_string(), SERVICE.to_string()]),
                ..Default::default()
            };
            (network, endpoint)
        })
        .collect();
    endpoints.sort_by(|a, b| (a.0 != primary, &a.0).cmp(&(b.0 != primary, &b.0)));
    let (first, rest) = match endpoints.split_first() {
        Some((first, rest)) if first.0 == primary => (first.clone(), rest.to_vec()),
        _ => {
            return Err(format!(
                "the template replica is not on its network {primary}"
            ));
        }
    };
    let body = ContainerCreateBody {
        user: config.user,
        exposed_ports: config.exposed_ports,
        tty: config.tty,
        env: config.env,
        cmd: config.cmd,
        healthcheck: config.healthcheck,
        image: Some(reference.to_string()),
        volumes: config.volumes,
        working_dir: config.working_dir,
        entrypoint: config.entrypoint,
        labels: Some(labels),
        stop_signal: config.stop_signal,
        stop_timeout: config.stop_timeout,
        host_config: Some(host_config),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([first])),
        }),
        ..Default::default()
    };
    Ok((body, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, HostConfig, NetworkSettings};

    fn template() -> ContainerInspectResponse {
        let endpoint = EndpointSettings {
            aliases: Some(vec!["p-app-1".into(), "app".into(), "0123456789ab".into()]),
            ip_address: Some("172.28.0.4".into()),
            ..Default::default()
        };
        ContainerInspectResponse {
            config: Some(ContainerConfig {
                hostname: Some("0123456789ab".into()),
                env: Some(vec!["A=1".into()]),
                labels: Some(HashMap::from([
                    (NUMBER.to_string(), "1".to_string()),
                    (IMAGE.to_string(), "sha256:old".to_string()),
                    (CONFIG_HASH.to_string(), "h".to_string()),
                ])),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                network_mode: Some("p_backend".into()),
                ..Default::default()
            }),
            network_settings: Some(NetworkSettings {
                networks: Some(HashMap::from([
                    ("p_frontend".to_string(), endpoint.clone()),
                    ("p_backend".to_string(), endpoint),
                ])),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_copy_is_numbered_on_the_new_image_with_fresh_endpoints() {
        let (body, more) = clone_body(&template(), "stack-tui/app:dev", "sha256:new", "p-app-3", 3)
            .expect("a valid template");
        let labels = body.labels.expect("labels");
        assert_eq!(labels[NUMBER], "3");
        assert_eq!(labels[IMAGE], "sha256:new");
        assert_eq!(
            labels[CONFIG_HASH], "h",
            "the configuration is compose's, unchanged"
        );
        assert_eq!(body.image.as_deref(), Some("stack-tui/app:dev"));
        assert_eq!(body.hostname, None, "the engine picks the hostname");
        assert_eq!(body.env, Some(vec!["A=1".to_string()]));
        let attached = body
            .networking_config
            .and_then(|n| n.endpoints_config)
            .expect("one network at creation");
        let backend = &attached["p_backend"];
        assert_eq!(
            backend.aliases,
            Some(vec!["p-app-3".to_string(), "app".to_string()])
        );
        assert_eq!(backend.ip_address, None, "the engine picks the address");
        let names: Vec<&str> = more.iter().map(|(network, _)| network.as_str()).collect();
        assert_eq!(names, ["p_frontend"]);
    }

    #[test]
    fn a_template_off_its_own_network_is_refused() {
        let mut broken = template();
        if let Some(host) = broken.host_config.as_mut() {
            host.network_mode = Some("elsewhere".into());
        }
        let err = clone_body(&broken, "r", "i", "n", 2).expect_err("refused");
        assert!(err.contains("elsewhere"), "{err}");
    }
}
