//! One-shot queries used by the CLI and by the worker after (re)connecting.

use super::convert::{self, PROJECT_LABEL};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    LogsOptionsBuilder,
};
use futures_util::{Stream as FuturesStream, StreamExt, stream};
use stack_core::logs::{LogLine, Stream};
use stack_core::model::container::{ContainerSnapshot, NetworkSnapshot};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// How many inspects run at once after a (re)connect.
const INSPECT_CONCURRENCY: usize = 8;

fn project_filter(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{PROJECT_LABEL}={project}")],
    )])
}

/// The configuration hash compose stamped on each running container of a project, by service.
pub async fn running_config_hashes(
    docker: &Docker,
    project: &str,
) -> Result<BTreeMap<String, BTreeSet<String>>, bollard::errors::Error> {
    const SERVICE_LABEL: &str = "com.docker.compose.service";
    const HASH_LABEL: &str = "com.docker.compose.config-hash";
    let options = ListContainersOptionsBuilder::default()
        .filters(&project_filter(project))
        .build();
    let mut hashes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for summary in docker.list_containers(Some(options)).await? {
        let labels = summary.labels.unwrap_or_default();
        if let (Some(service), Some(hash)) = (labels.get(SERVICE_LABEL), labels.get(HASH_LABEL)) {
            hashes
                .entry(service.clone())
                .or_default()
                .insert(hash.clone());
        }
    }
    Ok(hashes)
}

/// Every container of a compose project (running or not), inspected, sorted by service and name.
pub async fn project_snapshots(
    docker: &Docker,
    project: &str,
) -> Result<Vec<ContainerSnapshot>, bollard::errors::Error> {
    let mut snapshots: Vec<ContainerSnapshot> = inspect_project(docker, project, true)
        .await?
        .into_iter()
        .map(convert::container)
        .collect();
    snapshots.sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
    Ok(snapshots)
}

/// `docker inspect` of a project's containers; only the running ones unless `all`.
pub(super) async fn inspect_project(
    docker: &Docker,
    project: &str,
    all: bool,
) -> Result<Vec<ContainerInspectResponse>, bollard::errors::Error> {
    let options = ListContainersOptionsBuilder::default()
        .all(all)
        .filters(&project_filter(project))
        .build();
    let summaries = docker.list_containers(Some(options)).await?;
    let ids: Vec<String> = summaries
        .into_iter()
        .filter_map(|summary| summary.id)
        .collect();
    let inspected: Vec<_> = stream::iter(ids)
        .map(|id| async move {
            docker
                .inspect_container(&id, None::<InspectContainerOptions>)
                .await
        })
        .buffer_unordered(INSPECT_CONCURRENCY)
        .collect()
        .await;
    let mut containers = Vec::new();
    for result in inspected {
        match result {
            Ok(inspect) => containers.push(inspect),
            // Removed between list and inspect: simply not there any more.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(containers)
}

/// The project's networks (labelled by compose).
pub async fn project_networks(
    docker: &Docker,
    project: &str,
) -> Result<Vec<NetworkSnapshot>, bollard::errors::Error> {
    let options = ListNetworksOptionsBuilder::default()
        .filters(&project_filter(project))
        .build();
    let mut networks: Vec<NetworkSnapshot> = docker
        .list_networks(Some(options))
        .await?
        .into_iter()
        .map(convert::network)
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(networks)
}

/// Log lines of one container; `since` is unix seconds, `tail` a line count or "all".
pub fn stream_logs(
    docker: &Docker,
    container: &ContainerSnapshot,
    follow: bool,
    since: i64,
    tail: &str,
) -> impl FuturesStream<Item = Result<Vec<LogLine>, bollard::errors::Error>> + use<> {
    let options = LogsOptionsBuilder::default()
        .follow(follow)
        .stdout(true)
        .stderr(true)
        .timestamps(true)
        .since(i32::try_from(since).unwrap_or(0))
        .tail(tail)
        .build();
    let service: Arc<str> = if container.service.is_empty() {
        Arc::from(container.name.as_str())
    } else {
        Arc::from(container.service.as_str())
    };
    let name: Arc<str> = Arc::from(container.name.as_str());
    docker.logs(&container.id, Some(options)).map(move |chunk| {
        chunk.map(|output| {
            let (bytes, stream) = match output {
                LogOutput::StdErr { message } => (message, Stream::Stderr),
                LogOutput::StdOut { message }
                | LogOutput::Console { message }
                | LogOutput::StdIn { message } => (message, Stream::Stdout),
            };
            String::from_utf8_lossy(&bytes)
                .lines()
                .filter(|line| !line.is_empty())
                .map(|line| LogLine::from_engine(service.clone(), name.clone(), line, stream))
                .collect()
        })
    })
}
