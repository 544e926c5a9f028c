//! One connected session: the events stream drives one inspect per change (deduplicated while in
//! flight), logs follow running containers, stats follow visible ones. Ends when the daemon goes.
//! A `die` event is drawn at once from the event itself; the inspect that follows fills in the rest.
//! The app replicas the dashboard names get readiness probes every few seconds, and their
//! `/metrics` scraped every two while the Metrics or Topology panel is on screen.

use super::app_metrics::{self, MetricsScrapes, SCRAPE_EVERY};
use super::convert::{self, PROJECT_LABEL};
use super::events::{self, Reaction};
use super::follow::{Followers, follow_logs, follow_stats};
use super::handoff::{lifecycle, profile_states};
use super::query::{project_networks, project_snapshots};
use super::readiness_probes::{self, PROBE_EVERY, ReadinessProbes};
use super::worker::WatchState;
use bollard::Docker;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::{EventsOptionsBuilder, InspectContainerOptions};
use futures_util::StreamExt;
use stack_core::model::container::ContainerSnapshot;
use stack_core::protocol::docker::{DockerUpdate, EngineEvent, WorkerCommand};
use std::collections::{HashMap, HashSet};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub enum SessionEnd {
    Shutdown,
    Lost(String),
}

struct Session<'a> {
    docker: &'a Docker,
    updates: &'a mpsc::Sender<DockerUpdate>,
    logs: Followers,
    stats: Followers,
    inspects: JoinSet<(String, Result<ContainerSnapshot, bollard::errors::Error>)>,
    in_flight: HashSet<String>,
    again: HashSet<String>,
    /// In-flight inspects that started before a `die`: their answer is out of date.
    stale: HashSet<String>,
    seen: HashSet<String>,
    /// The last snapshot sent per container, so a `die` can be drawn without an inspect.
    known: HashMap<String, ContainerSnapshot>,
    readiness: ReadinessProbes,
    scrapes: MetricsScrapes,
}

pub async fn run_session(
    docker: &Docker,
    watch: &mut WatchState,
    commands: &mut mpsc::Receiver<WorkerCommand>,
    updates: &mpsc::Sender<DockerUpdate>,
) -> SessionEnd {
    // Only the actions we act on or show: the engine then keeps back the exec_* events every
    // healthcheck run of every container on the machine produces (most of the stream).
    let filters = HashMap::from([
        (
            "type".to_string(),
            vec!["container".to_string(), "network".to_string()],
        ),
        ("event".to_string(), events::subscribed()),
    ]);
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
        stale: HashSet::new(),
        seen: HashSet::new(),
        known: HashMap::new(),
        readiness: ReadinessProbes::default(),
        scrapes: MetricsScrapes::default(),
    };
    let mut probe_tick = tokio::time::interval(PROBE_EVERY);
    probe_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut scrape_tick = tokio::time::interval(SCRAPE_EVERY);
    scrape_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
            _ = probe_tick.tick() => session.probe_readiness(watch),
            (id, readiness) = session.readiness.next() => {
                session.send(DockerUpdate::Readiness { id, readiness }).await;
            }
            // Ticks with nothing to scrape cost a wake-up every 2 s and no exec.
            _ = scrape_tick.tick(), if !watch.metrics.is_empty() => session.scrape_metrics(watch),
            (id, result) = session.scrapes.next() => {
                session.send(DockerUpdate::AppMetrics { id, result }).await;
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
        self.known.clear();
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
            self.known.insert(container.id.clone(), container.clone());
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
            WorkerCommand::Readiness(ids) => {
                watch.readiness = ids.into_iter().collect();
                // Replicas new to the list are probed now, not a whole interval later.
                self.probe_readiness(watch);
            }
            WorkerCommand::AppMetrics(ids) => {
                watch.metrics = ids.into_iter().collect();
                self.scrape_metrics(watch);
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

    fn probe_readiness(&mut self, watch: &WatchState) {
        let names = self.names(&watch.readiness);
        readiness_probes::start_due(&mut self.readiness, self.docker, &watch.readiness, &names);
    }

    fn scrape_metrics(&mut self, watch: &WatchState) {
        let names = self.names(&watch.metrics);
        app_metrics::start_due(&mut self.scrapes, self.docker, &watch.metrics, &names);
    }

    /// The names of these containers, for messages.
    fn names(&self, ids: &HashSet<String>) -> HashMap<String, String> {
        self.known
            .iter()
            .filter(|(id, _)| ids.contains(*id))
            .map(|(id, snapshot)| (id.clone(), snapshot.name.clone()))
            .collect()
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
        let outdated = self.stale.remove(&id);
        match result {
            // Started before the container died: the inspect queued by the `die` tells the truth.
            Ok(_) if outdated => {}
            Ok(snapshot) if Some(&snapshot.project) == watch.project.as_ref() => {
                self.track(watch, &snapshot);
                self.known.insert(id.clone(), snapshot.clone());
                self.send(DockerUpdate::Container(snapshot)).await;
            }
            Ok(_) => {}
            Err(err) => {
                tracing::debug!(%id, %err, "inspect failed; treating container as gone");
                self.forget(&id);
                self.send(DockerUpdate::Removed { id: id.clone() }).await;
            }
        }
        if self.again.remove(&id) {
            self.inspect(id);
        }
    }

    fn forget(&mut self, id: &str) {
        self.logs.stop(id);
        self.stats.stop(id);
        self.known.remove(id);
    }

    /// Draws a container as exited straight from its `die` event (the exit code is in the event's
    /// attributes), one inspect round trip sooner than waiting for the inspect.
    async fn died(&mut self, id: &str, exit_code: Option<&String>) {
        if self.in_flight.contains(id) {
            self.stale.insert(id.to_string());
        }
        let Some(known) = self.known.get(id) else {
            return;
        };
        let exited = known.exited(exit_code.and_then(|code| code.parse().ok()));
        self.known.insert(id.to_string(), exited.clone());
        self.stats.stop(id);
        self.send(DockerUpdate::Container(exited)).await;
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
                match events::reaction(&action) {
                    Some(Reaction::Removed) => {
                        self.forget(&id);
                        self.send(DockerUpdate::Removed { id }).await;
                    }
                    Some(Reaction::Died) => {
                        self.died(&id, attributes.get("exitCode")).await;
                        self.inspect(id);
                    }
                    Some(Reaction::Inspect) => self.inspect(id),
                    Some(Reaction::ShowOnly | Reaction::Networks) | None => {}
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
