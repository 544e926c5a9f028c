//! The Docker worker: owns every Engine API call the dashboard makes and sends owned results back.
//! It reconnects with backoff when the daemon goes away and refreshes everything when it returns.

use super::client::connect;
use super::session::{SessionEnd, run_session};
use stack_core::protocol::docker::{DockerUpdate, WorkerCommand};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const COMMAND_QUEUE: usize = 64;
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// What survives a reconnect: the project being watched, what is visible and which replicas
/// get readiness probes.
#[derive(Debug, Default)]
pub(super) struct WatchState {
    pub project: Option<String>,
    pub visible: HashSet<String>,
    pub readiness: HashSet<String>,
    /// App replicas whose `/metrics` are scraped (the Metrics or Topology panel is on screen).
    pub metrics: HashSet<String>,
}

pub struct WorkerHandle {
    pub commands: mpsc::Sender<WorkerCommand>,
    pub task: JoinHandle<()>,
}

/// Starts the worker; it stops when the command sender is dropped or the app stops listening.
pub fn spawn_worker(updates: mpsc::Sender<DockerUpdate>) -> WorkerHandle {
    let (commands, receiver) = mpsc::channel(COMMAND_QUEUE);
    let task = tokio::spawn(run(receiver, updates));
    WorkerHandle { commands, task }
}

async fn run(mut commands: mpsc::Receiver<WorkerCommand>, updates: mpsc::Sender<DockerUpdate>) {
    let mut watch = WatchState::default();
    let mut retry = FIRST_RETRY;
    loop {
        let reason = match connect().await {
            Ok(docker) => {
                retry = FIRST_RETRY;
                let api_version = docker.client_version().to_string();
                if updates
                    .send(DockerUpdate::Connected { api_version })
                    .await
                    .is_err()
                {
                    return;
                }
                match run_session(&docker, &mut watch, &mut commands, &updates).await {
                    SessionEnd::Shutdown => return,
                    SessionEnd::Lost(reason) => reason,
                }
            }
            Err(err) => err.to_string(),
        };
        tracing::warn!(%reason, retry_ms = retry.as_millis() as u64, "docker unavailable");
        let update = DockerUpdate::Disconnected {
            reason,
            retry_in: retry,
        };
        if updates.send(update).await.is_err() {
            return;
        }
        // Keep taking commands while waiting so a profile switch is not lost.
        let sleep = tokio::time::sleep(retry);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                command = commands.recv() => match command {
                    None => return,
                    Some(WorkerCommand::Watch { project }) => watch.project = Some(project),
                    Some(WorkerCommand::Visible(ids)) => watch.visible = ids.into_iter().collect(),
                    Some(WorkerCommand::Readiness(ids)) => {
                        watch.readiness = ids.into_iter().collect();
                    }
                    Some(WorkerCommand::AppMetrics(ids)) => watch.metrics = ids.into_iter().collect(),
                    Some(_) => {}
                },
            }
        }
        retry = (retry * 2).min(MAX_RETRY);
    }
}
