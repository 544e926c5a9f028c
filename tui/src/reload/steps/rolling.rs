//! Rolling replace of the app's replicas: one new container from the freshly built image, healthy
//! before one old container is stopped (edge-host drains its in-flight requests on SIGTERM), until
//! every replica runs the new image. nginx resolves `app` per request, so it follows along.

use super::StepContext;
use crate::docker::{convert, project_snapshots};
use bollard::query_parameters::{
    InspectContainerOptions, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use stack_core::model::container::{ContainerSnapshot, Health, RunState};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

pub(super) const SERVICE: &str = "app";
/// A new replica must turn healthy within this (the healthcheck runs every 5 s, 3 tries).
const HEALTHY_WITHIN: Duration = Duration::from_secs(60);
const HEALTH_POLL: Duration = Duration::from_millis(250);
/// Seconds an old replica gets to finish in-flight requests before it is killed.
const DRAIN_SECONDS: i32 = 10;

impl StepContext {
    pub(super) async fn roll_replicas(&self) -> Result<String, String> {
        let old = self.app_containers().await?;
        if old.is_empty() {
            return Err(format!(
                "no {SERVICE} container in {} to replace; bring the profile up first",
                self.compose.profile().project
            ));
        }
        let mut known: BTreeSet<String> = old.iter().map(|c| c.id.clone()).collect();
        let mut replaced = Vec::new();
        for retiring in &old {
            let fresh = self.start_one_more(old.len() + 1, &known).await?;
            known.insert(fresh.id.clone());
            if let Err(message) = self.wait_healthy(&fresh).await {
                self.remove(&fresh.id, 0).await;
                return Err(format!(
                    "{message}; it was removed and {} keeps serving",
                    names(&old)
                ));
            }
            self.remove(&retiring.id, DRAIN_SECONDS).await;
            replaced.push(format!("{} → {}", retiring.name, fresh.name));
        }
        Ok(format!("replaced {}", replaced.join(", ")))
    }

    /// The app's containers, oldest replica number first.
    async fn app_containers(&self) -> Result<Vec<ContainerSnapshot>, String> {
        let project = &self.compose.profile().project;
        let mut containers: Vec<ContainerSnapshot> = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?
            .into_iter()
            .filter(|c| c.service == SERVICE && c.state == RunState::Running)
            .collect();
        containers.sort_by_key(|c| replica_number(&c.name));
        Ok(containers)
    }

    /// Scales up by one without touching the existing replicas and returns the new container.
    async fn start_one_more(
        &self,
        replicas: usize,
        known: &BTreeSet<String>,
    ) -> Result<ContainerSnapshot, String> {
        self.compose
            .add_replicas(SERVICE, replicas)
            .await
            .map_err(|err| err.to_string())?;
        self.app_containers()
            .await?
            .into_iter()
            .find(|c| !known.contains(&c.id))
            .ok_or_else(|| "compose started no new app container".to_string())
    }

    async fn wait_healthy(&self, container: &ContainerSnapshot) -> Result<(), String> {
        let deadline = Instant::now() + HEALTHY_WITHIN;
        loop {
            let current = self
                .docker
                .inspect_container(&container.id, None::<InspectContainerOptions>)
                .await
                .map(convert::container)
                .map_err(|err| format!("cannot inspect {}: {err}", container.name))?;
            match (current.state, current.health) {
                (RunState::Running, Health::Healthy) => return Ok(()),
                (RunState::Running, Health::Unhealthy) | (RunState::Exited, _) => {
                    return Err(format!(
                        "new replica {} is {}: {}",
                        container.name,
                        if current.state == RunState::Exited {
                            "exited"
                        } else {
                            "unhealthy"
                        },
                        last_probe_output(&current)
                    ));
                }
                _ if Instant::now() >= deadline => {
                    return Err(format!(
                        "new replica {} not healthy within {} s: {}",
                        container.name,
                        HEALTHY_WITHIN.as_secs(),
                        last_probe_output(&current)
                    ));
                }
                _ => tokio::time::sleep(HEALTH_POLL).await,
            }
        }
    }

    /// Stops (SIGTERM, then SIGKILL after `drain_seconds`) and removes a container; a container
    /// that is already gone is fine.
    async fn remove(&self, id: &str, drain_seconds: i32) {
        let stop = StopContainerOptionsBuilder::default()
            .t(drain_seconds)
            .build();
        if let Err(err) = self.docker.stop_container(id, Some(stop)).await {
            tracing::warn!(%id, %err, "stopping a replaced replica failed");
        }
        let force = RemoveContainerOptionsBuilder::default().force(true).build();
        if let Err(err) = self.docker.remove_container(id, Some(force)).await {
            tracing::warn!(%id, %err, "removing a replaced replica failed");
        }
    }
}

/// Compose names replicas `<project>-<service>-<n>`.
fn replica_number(name: &str) -> u32 {
    name.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

fn names(containers: &[ContainerSnapshot]) -> String {
    containers
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn last_probe_output(container: &ContainerSnapshot) -> String {
    container
        .probes
        .last()
        .map(|probe| probe.output.trim().to_string())
        .filter(|output| !output.is_empty())
        .unwrap_or_else(|| "no healthcheck output yet".into())
}

#[cfg(test)]
mod tests {
    use super::replica_number;

    #[test]
    fn replicas_are_ordered_by_their_compose_number() {
        let mut names = [
            "stack-dev-app-10",
            "stack-dev-app-2",
            "odd",
            "stack-dev-app-1",
        ];
        names.sort_by_key(|name| replica_number(name));
        assert_eq!(
            names,
            [
                "stack-dev-app-1",
                "stack-dev-app-2",
                "stack-dev-app-10",
                "odd"
            ]
        );
    }
}
