//! Per-container background streams: logs for every running container, stats for visible ones.

use super::convert;
use super::query::{LogRange, stream_logs};
use bollard::Docker;
use bollard::query_parameters::StatsOptionsBuilder;
use futures_util::{FutureExt, StreamExt};
use stack_core::model::container::ContainerSnapshot;
use stack_core::protocol::docker::DockerUpdate;
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Lines taken from a stream in one go before handing them to the app as one message.
const LOG_BATCH: usize = 2048;
/// History fetched when the dashboard first sees a container.
const INITIAL_TAIL: &str = "200";

/// A set of per-container tasks, aborted when replaced or dropped.
#[derive(Default)]
pub struct Followers {
    tasks: HashMap<String, JoinHandle<()>>,
}

impl Followers {
    pub fn is_active(&self, id: &str) -> bool {
        self.tasks.get(id).is_some_and(|task| !task.is_finished())
    }

    pub fn insert(&mut self, id: String, task: JoinHandle<()>) {
        if let Some(old) = self.tasks.insert(id, task) {
            old.abort();
        }
    }

    pub fn stop(&mut self, id: &str) {
        if let Some(task) = self.tasks.remove(id) {
            task.abort();
        }
    }

    pub fn ids(&self) -> Vec<String> {
        self.tasks.keys().cloned().collect()
    }

    pub fn stop_all(&mut self) {
        for (_, task) in self.tasks.drain() {
            task.abort();
        }
    }
}

impl Drop for Followers {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Follows a container's output; `first_time` fetches recent history, later starts only new lines.
pub fn follow_logs(
    docker: &Docker,
    container: &ContainerSnapshot,
    first_time: bool,
    updates: mpsc::Sender<DockerUpdate>,
) -> JoinHandle<()> {
    let (since, tail) = if first_time {
        (0, INITIAL_TAIL)
    } else {
        (
            container.started_at.map(|t| t.timestamp()).unwrap_or(0),
            "all",
        )
    };
    let range = LogRange {
        follow: true,
        since,
        until: None,
        tail,
    };
    let mut stream = Box::pin(stream_logs(docker, container, range));
    tokio::spawn(async move {
        while let Some(first) = stream.next().await {
            let Ok(mut batch) = first else { return };
            // Drain whatever is already buffered so a chatty container costs one message per burst.
            while batch.len() < LOG_BATCH {
                match stream.next().now_or_never() {
                    Some(Some(Ok(more))) => batch.extend(more),
                    Some(Some(Err(_))) | Some(None) => break,
                    None => break,
                }
            }
            if !batch.is_empty() && updates.send(DockerUpdate::Logs(batch)).await.is_err() {
                return;
            }
        }
    })
}

/// Streams one container's stats (the engine sends one sample a second).
pub fn follow_stats(
    docker: &Docker,
    id: &str,
    updates: mpsc::Sender<DockerUpdate>,
) -> JoinHandle<()> {
    let options = StatsOptionsBuilder::default().stream(true).build();
    let mut stream = Box::pin(docker.stats(id, Some(options)));
    let id = id.to_string();
    tokio::spawn(async move {
        while let Some(Ok(stats)) = stream.next().await {
            let sample = convert::stats(&stats);
            let update = DockerUpdate::Stats {
                id: id.clone(),
                sample,
            };
            if updates.send(update).await.is_err() {
                return;
            }
        }
    })
}
