//! One-shot queries used by the CLI and by the worker after (re)connecting.

use super::convert::{self, PROJECT_LABEL};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{
    EventsOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    ListNetworksOptionsBuilder, LogsOptionsBuilder,
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

/// Which part of a container's output to read: `since`/`until` are unix seconds (`until` none:
/// up to now, and on with `follow`), `tail` a line count or "all".
#[derive(Debug, Clone, Copy)]
pub struct LogRange<'a> {
    pub follow: bool,
    pub since: i64,
    pub until: Option<i64>,
    pub tail: &'a str,
}

/// Log lines of one container, in the engine's order.
pub fn stream_logs(
    docker: &Docker,
    container: &ContainerSnapshot,
    range: LogRange<'_>,
) -> impl FuturesStream<Item = Result<Vec<LogLine>, bollard::errors::Error>> + use<> {
    let mut options = LogsOptionsBuilder::default()
        .follow(range.follow)
        .stdout(true)
        .stderr(true)
        .timestamps(true)
        .since(i32::try_from(range.since).unwrap_or(0))
        .tail(range.tail);
    if let Some(until) = range.until {
        // The engine reads 0 as "no limit": a limit before 1970 still ends before anything.
        options = options.until(i32::try_from(until.max(1)).unwrap_or(i32::MAX));
    }
    let options = options.build();
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

/// The ids of the project's containers as they start, from the engine's events since `since`
/// (unix seconds; events from before the call are replayed, so nothing started while the caller
/// was listing is missed).
pub fn container_starts(
    docker: &Docker,
    project: &str,
    since: i64,
) -> impl FuturesStream<Item = Result<String, bollard::errors::Error>> + use<> {
    let mut filters = project_filter(project);
    filters.insert("type".to_string(), vec!["container".to_string()]);
    filters.insert("event".to_string(), vec!["start".to_string()]);
    let options = EventsOptionsBuilder::default()
        .since(&since.to_string())
        .filters(&filters)
        .build();
    docker.events(Some(options)).filter_map(|event| async move {
        match event {
            Ok(message) => message.actor.and_then(|actor| actor.id).map(Ok),
            Err(err) => Some(Err(err)),
        }
    })
}

/// One container, inspected; `None` when it is already gone.
pub async fn container_snapshot(
    docker: &Docker,
    id: &str,
) -> Result<Option<ContainerSnapshot>, bollard::errors::Error> {
    match docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(inspect) => Ok(Some(convert::container(inspect))),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(err) => Err(err),
    }
}
