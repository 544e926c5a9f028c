//! One connected session: the events stream drives one inspect per change (deduplicated while in
//! flight), logs follow running containers, stats follow visible ones. Ends when the daemon goes.

use super::convert::{self, PROJECT_LABEL};
use super::follow::{Followers, follow_logs, follow_stats};
use super::model::ContainerSnapshot;
use super::query::{project_networks, project_snapshots};
use super::worker::{DockerUpdate, EngineEvent, LifecycleOp, WatchState, WorkerCommand};
use bollard::Docker;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::{
    EventsOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub enum SessionEnd {
    Shutdown,
    Lost(String),
}

/// Actions that change what an inspect would return; exec_* (every healthcheck run) is ignored.
fn changes_container(action: &str) -> bool {
    const ACTIONS: [&str; 12] = [
        "create",
        "start",
        "restart",
        "stop",
        "die",
        "kill",
        "pause",
        "unpause",
        "oom",
        "rename",
        "update",
        "health_status",
    ];
    ACTIONS
        .iter()
        .any(|known| action == *known || action.starts_with(&format!("{known}:")))
}

struct Session<'a> {
    docker: &'a Docker,
    updates: &'a mpsc::Sender<DockerUpdate>,
    logs: Followers,
    stats: Followers,
    inspects: JoinSet<(String, Result<ContainerSnapshot, bollard::errors::Error>)>,
    in_flight: HashSet<String>,
    again: HashSet<String>,
    seen: HashSet<String>,
}

pub async fn run_session(
    docker: &Docker,
    watch: &mut WatchState,
    commands: &mut mpsc::Receiver<WorkerCommand>,
    updates: &mpsc::Sender<DockerUpdate>,
) -> SessionEnd {
    let filters = HashMap::from([(
        "type".to_string(),
        vec!["container".to_string(), "network".to_string()],
    )]);
    let mut events = Box::pin(docker.events(Some(
        EventsOptionsBuilder::default().filters(&filters).build(),
    )));
    let mut session = Session {
        docker,
        updates,
        logs: Followers::default(),
        stats: Followers::default(),
        inspects: JoinSet::new(),
        in_flight: HashSet::new(),
        again: HashSet::new(),
        seen: HashSet::new(),
    };
    if let Err(reason) = session.refresh(watch).await {
        return SessionEnd::Lost(reason);
    }
    loop {
        tokio::select! {
            command = commands.recv() => {
                let Some(command) = command else { return SessionEnd::Shutdown };
                if let Err(reason) = session.command(watch, command).await {
                    return SessionEnd::Lost(reason);
                }
            }
            event = events.next() => match event {
                Some(Ok(message)) => session.event(watch, message).await,
                Some(Err(err)) => return SessionEnd::Lost(format!("event stream failed: {err}")),
                None => return SessionEnd::Lost("the daemon closed the event stream".into()),
            },
            Some(joined) = session.inspects.join_next() => {
                if let Ok((id, result)) = joined {
                    session.inspected(watch, id, result).await;
                }
            }
        }
        if updates.is_closed() {
            return SessionEnd::Shutdown;
        }
    }
}

impl Session<'_> {
    async fn send(&self, update: DockerUpdate) {
        // A closed channel means the app is shutting down; the loop notices and ends.
        let _ = self.updates.send(update).await;
    }

    async fn refresh(&mut self, watch: &WatchState) -> Result<(), String> {
        self.logs.stop_all();
        self.stats.stop_all();
        self.seen.clear();
        let Some(project) = watch.project.clone() else {
            return Ok(());
        };
        let containers = project_snapshots(self.docker, &project)
            .await
            .map_err(|err| format!("listing containers failed: {err}"))?;
        let networks = project_networks(self.docker, &project)
            .await
            .map_err(|err| format!("listing networks failed: {err}"))?;
        for container in &containers {
            self.track(watch, container);
        }
        self.send(DockerUpdate::Containers {
            project: project.clone(),
            containers,
        })
        .await;
        self.send(DockerUpdate::Networks { project, networks })
            .await;
        Ok(())
    }

    /// Starts or stops the background streams a container needs in its current state.
    fn track(&mut self, watch: &WatchState, container: &ContainerSnapshot) {
        let first_time = self.seen.insert(container.id.clone());
        if container.is_running() && !self.logs.is_active(&container.id) {
            let task = follow_logs(self.docker, container, first_time, self.updates.clone());
            self.logs.insert(container.id.clone(), task);
        }
        let wants_stats = container.is_running() && watch.visible.contains(&container.id);
        if wants_stats && !self.stats.is_active(&container.id) {
            let task = follow_stats(self.docker, &container.id, self.updates.clone());
            self.stats.insert(container.id.clone(), task);
        } else if !wants_stats {
            self.stats.stop(&container.id);
        }
    }

    async fn command(
        &mut self,
        watch: &mut WatchState,
        command: WorkerCommand,
    ) -> Result<(), String> {
        match command {
            WorkerCommand::Watch { project } => {
                watch.project = Some(project);
                self.refresh(watch).await?;
            }
            WorkerCommand::Visible(ids) => {
                watch.visible = ids.into_iter().collect();
                for id in self.stats.ids() {
                    if !watch.visible.contains(&id) {
                        self.stats.stop(&id);
                    }
                }
                for id in watch.visible.clone() {
                    self.inspect(id);
                }
            }
            WorkerCommand::Lifecycle {
                op,
                containers,
                label,
            } => {
                tokio::spawn(lifecycle(
                    self.docker.clone(),
                    op,
                    containers,
                    label,
                    self.updates.clone(),
                ));
            }
            WorkerCommand::ProfileStates(projects) => {
                tokio::spawn(profile_states(
                    self.docker.clone(),
                    projects,
                    self.updates.clone(),
                ));
            }
        }
        Ok(())
    }

    /// One inspect per container at a time; changes arriving meanwhile trigger exactly one more.
    fn inspect(&mut self, id: String) {
        if !self.in_flight.insert(id.clone()) {
            self.again.insert(id);
            return;
        }
        let docker = self.docker.clone();
        self.inspects.spawn(async move {
            let result = docker
                .inspect_container(&id, None::<InspectContainerOptions>)
                .await;
            (id, result.map(convert::container))
        });
    }

    async fn inspected(
        &mut self,
        watch: &WatchState,
        id: String,
        result: Result<ContainerSnapshot, bollard::errors::Error>,
    ) {
        self.in_flight.remove(&id);
        match result {
            Ok(snapshot) if Some(&snapshot.project) == watch.project.as_ref() => {
                self.track(watch, &snapshot);
                self.send(DockerUpdate::Container(snapshot)).await;
            }
            Ok(_) => {}
            Err(err) => {
                tracing::debug!(%id, %err, "inspect failed; treating container as gone");
                self.logs.stop(&id);
                self.stats.stop(&id);
                self.send(DockerUpdate::Removed { id: id.clone() }).await;
            }
        }
        if self.again.remove(&id) {
            self.inspect(id);
        }
    }

    async fn event(&mut self, watch: &WatchState, message: EventMessage) {
        let Some(project) = watch.project.as_deref() else {
            return;
        };
        let action = message.action.clone().unwrap_or_default();
        let actor = message.actor.unwrap_or_default();
        let id = actor.id.unwrap_or_default();
        let attributes = actor.attributes.unwrap_or_default();
        let time = message.time.unwrap_or(0);
        match message.typ {
            Some(EventMessageTypeEnum::CONTAINER) => {
                if attributes.get(PROJECT_LABEL).map(String::as_str) != Some(project)
                    || action.starts_with("exec_")
                {
                    return;
                }
                let subject = attributes
                    .get("name")
                    .cloned()
                    .unwrap_or_else(|| id.clone());
                self.send(DockerUpdate::Event(EngineEvent {
                    time,
                    kind: "container".into(),
                    action: action.clone(),
                    subject,
                }))
                .await;
                if action == "destroy" {
                    self.logs.stop(&id);
                    self.stats.stop(&id);
                    self.send(DockerUpdate::Removed { id }).await;
                } else if changes_container(&action) {
                    self.inspect(id);
                }
            }
            Some(EventMessageTypeEnum::NETWORK) => {
                let name = attributes.get("name").cloned().unwrap_or_default();
                if !name.starts_with(&format!("{project}_")) {
                    return;
                }
                self.send(DockerUpdate::Event(EngineEvent {
                    time,
                    kind: "network".into(),
                    action,
                    subject: name,
                }))
                .await;
                if let Ok(networks) = project_networks(self.docker, project).await {
                    self.send(DockerUpdate::Networks {
                        project: project.to_string(),
                        networks,
                    })
                    .await;
                }
            }
            _ => {}
        }
    }
}

async fn lifecycle(
    docker: Docker,
    op: LifecycleOp,
    ids: Vec<String>,
    label: String,
    updates: mpsc::Sender<DockerUpdate>,
) {
    let started = Instant::now();
    let mut result = Ok(());
    for id in &ids {
        let outcome = match op {
            LifecycleOp::Start => {
                docker
                    .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
                    .await
            }
            LifecycleOp::Stop => {
                docker
                    .stop_container(id, None::<bollard::query_parameters::StopContainerOptions>)
                    .await
            }
            LifecycleOp::Restart => {
                docker
                    .restart_container(
                        id,
                        None::<bollard::query_parameters::RestartContainerOptions>,
                    )
                    .await
            }
        };
        if let Err(err) = outcome {
            result = Err(format!("{} {id}: {err}", op.verb()));
            break;
        }
    }
    let _ = updates
        .send(DockerUpdate::LifecycleDone {
            label,
            elapsed: started.elapsed(),
            result,
        })
        .await;
}

async fn profile_states(
    docker: Docker,
    projects: Vec<String>,
    updates: mpsc::Sender<DockerUpdate>,
) {
    let mut states = Vec::new();
    for project in projects {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{PROJECT_LABEL}={project}")],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let Ok(list) = docker.list_containers(Some(options)).await else {
            continue;
        };
        let running = list
            .iter()
            .filter(|c| c.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING))
            .count();
        states.push((project, running, list.len()));
    }
    let _ = updates.send(DockerUpdate::ProfileStates(states)).await;
}
