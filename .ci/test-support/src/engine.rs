//! Engine API reads the stack tests make (bollard).

use std::collections::{BTreeSet, HashMap};

use bollard::Docker;
use bollard::models::{ContainerInspectResponse, Network};
use bollard::query_parameters::{ListContainersOptionsBuilder, TopOptionsBuilder};

pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";

/// All containers (running or not) of a compose project, inspected.
pub async fn project_containers(docker: &Docker, project: &str) -> Vec<ContainerInspectResponse> {
    let filters = HashMap::from([("label", vec![format!("{PROJECT_LABEL}={project}")])]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    let summaries = docker
        .list_containers(Some(options))
        .await
        .expect("list the project's containers");
    let mut inspected = Vec::new();
    for summary in summaries {
        let Some(id) = summary.id else { continue };
        // A container removed between list and inspect is simply not there any more.
        if let Ok(container) = docker
            .inspect_container(
                &id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
        {
            inspected.push(container);
        }
    }
    inspected.sort_by(|a, b| name(a).cmp(name(b)));
    inspected
}

/// Names of the compose projects whose name starts with `prefix`.
pub async fn project_names(docker: &Docker, prefix: &str) -> BTreeSet<String> {
    let filters = HashMap::from([("label", vec![PROJECT_LABEL.to_owned()])]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    docker
        .list_containers(Some(options))
        .await
        .expect("list containers")
        .into_iter()
        .filter_map(|c| c.labels?.get(PROJECT_LABEL).cloned())
        .filter(|project| project.starts_with(prefix))
        .collect()
}

pub fn name(container: &ContainerInspectResponse) -> &str {
    container
        .name
        .as_deref()
        .unwrap_or("?")
        .trim_start_matches('/')
}

pub fn service_of(container: &ContainerInspectResponse) -> Option<&str> {
    container
        .config
        .as_ref()?
        .labels
        .as_ref()?
        .get(SERVICE_LABEL)
        .map(String::as_str)
}

/// Whether the container belongs to a one-shot service (label `stack-tui.one-shot: "true"`, the
/// stack's migrate): it runs to completion instead of running on.
pub fn is_one_shot(container: &ContainerInspectResponse) -> bool {
    container
        .config
        .as_ref()
        .and_then(|config| config.labels.as_ref())
        .and_then(|labels| labels.get("stack-tui.one-shot"))
        .is_some_and(|value| value == "true")
}

/// The exit code of a container that has stopped; `None` while it runs.
pub fn exit_code(container: &ContainerInspectResponse) -> Option<i64> {
    let state = container.state.as_ref()?;
    (state.running != Some(true))
        .then_some(state.exit_code)
        .flatten()
}

/// The health status word ("healthy", "starting", "unhealthy") or "no healthcheck"/"not running".
pub fn health(container: &ContainerInspectResponse) -> String {
    let Some(state) = container.state.as_ref() else {
        return "no state".into();
    };
    if state.running != Some(true) {
        return "not running".into();
    }
    state
        .health
        .as_ref()
        .and_then(|h| h.status)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "no healthcheck".into())
}

/// The container's host pid (its main process).
pub fn pid(container: &ContainerInspectResponse) -> i64 {
    container
        .state
        .as_ref()
        .and_then(|s| s.pid)
        .filter(|pid| *pid > 0)
        .unwrap_or_else(|| panic!("{} has no running main process", name(container)))
}

/// Networks the container is attached to, by name.
pub fn networks(container: &ContainerInspectResponse) -> BTreeSet<String> {
    container
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| n.keys().cloned().collect())
        .unwrap_or_default()
}

/// Host ports the container actually publishes ("addr:port" per binding).
pub fn published_ports(container: &ContainerInspectResponse) -> Vec<String> {
    let mut published = Vec::new();
    let ports = container
        .network_settings
        .as_ref()
        .and_then(|n| n.ports.as_ref());
    for bindings in ports.into_iter().flat_map(|p| p.values()).flatten() {
        for binding in bindings {
            if let Some(port) = binding.host_port.as_deref().filter(|p| !p.is_empty()) {
                published.push(format!(
                    "{}:{port}",
                    binding.host_ip.as_deref().unwrap_or("")
                ));
            }
        }
    }
    published
}

pub async fn network(docker: &Docker, name: &str) -> Network {
    docker
        .inspect_network(
            name,
            None::<bollard::query_parameters::InspectNetworkOptions>,
        )
        .await
        .unwrap_or_else(|err| panic!("inspect network {name}: {err}"))
}

/// Process table of a container through the Engine API (`docker top`): (uid, args) per process.
pub async fn processes(docker: &Docker, container: &str) -> Vec<(String, String)> {
    // The engine needs the PID column to map host processes to the container.
    let options = TopOptionsBuilder::new().ps_args("-o pid,uid,args").build();
    let top = docker
        .top_processes(container, Some(options))
        .await
        .unwrap_or_else(|err| panic!("docker top {container}: {err}"));
    top.processes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|row| {
            let mut columns = row.into_iter().skip(1);
            Some((columns.next()?, columns.collect::<Vec<_>>().join(" ")))
        })
        .collect()
}

/// Every `CreatedBy` line of an image's history.
pub async fn image_history(docker: &Docker, image: &str) -> Vec<String> {
    docker
        .image_history(image)
        .await
        .unwrap_or_else(|err| panic!("image history of {image}: {err}"))
        .into_iter()
        .map(|layer| layer.created_by)
        .collect()
}
