//! The Docker worker's updates: containers, networks, stats, logs and events into the state, and
//! which containers' stats the worker should stream (those on screen).

use super::action::Effect;
use super::activity::{ActivityEntry, ActivityKind, failed, log};
use super::screen::visible_rows;
use super::services::service_rows;
use super::state::{Connection, Mode, Panel, State};
use crate::protocol::docker::{DockerUpdate, WorkerCommand};
use chrono::{DateTime, Utc};

pub(super) fn handle(state: &mut State, update: DockerUpdate, effects: &mut Vec<Effect>) {
    // A stats sample (one a second per container on screen) redraws only the panels that show
    // its numbers (below); the Metrics panel's charts move on with the clock's tick instead.
    state.dirty |= !matches!(update, DockerUpdate::Stats { .. });
    // Log lines change no service row, and a flood sends batches by the thousand: the clamp
    // below lists every row.
    let rows_may_change = !matches!(update, DockerUpdate::Logs(_));
    match update {
        DockerUpdate::Connected { api_version } => {
            if matches!(state.connection, Connection::Lost { .. }) {
                log(state, ActivityKind::Docker, "daemon is back".into(), None);
            }
            state.connection = Connection::Connected { api_version };
            let projects = state.profiles.iter().map(|p| p.project.clone()).collect();
            effects.push(Effect::Worker(WorkerCommand::ProfileStates(projects)));
        }
        DockerUpdate::Disconnected { reason, retry_in } => {
            if !matches!(state.connection, Connection::Lost { .. }) {
                log(
                    state,
                    ActivityKind::Error,
                    format!("daemon unreachable: {reason}"),
                    None,
                );
            }
            state.connection = Connection::Lost { reason, retry_in };
            // Stats streams died with the connection; the worker restarts them on reconnect.
            state.stats.clear();
        }
        DockerUpdate::Containers {
            project,
            containers,
        } => {
            if project == state.project {
                state.containers = containers.into_iter().map(|c| (c.id.clone(), c)).collect();
                state
                    .stats
                    .retain(|id, _| state.containers.contains_key(id));
            }
        }
        DockerUpdate::Container(snapshot) => {
            if snapshot.project == state.project {
                if !snapshot.is_running() {
                    state.stats.remove(&snapshot.id);
                }
                state.containers.insert(snapshot.id.clone(), snapshot);
            }
        }
        DockerUpdate::Removed { id } => {
            state.containers.remove(&id);
            state.stats.remove(&id);
        }
        DockerUpdate::Networks { project, networks } => {
            if project == state.project {
                state.networks = networks;
            }
        }
        DockerUpdate::Stats { id, sample } => {
            // Stats change only numbers on the services/health panels.
            state.dirty |= matches!(state.panel, Panel::Services | Panel::Health);
            if state.containers.contains_key(&id) {
                super::metrics::stats(state, &id, &sample);
                state.stats.insert(id, sample);
            }
        }
        DockerUpdate::Readiness { id, readiness } => super::readiness::probed(state, id, readiness),
        DockerUpdate::Logs(lines) => {
            super::metrics::logs(state, &lines);
            let released = state.logs.ingest(lines) > 0;
            state.dirty |= released && (state.panel == Panel::Logs || state.log_view.fullscreen);
        }
        DockerUpdate::Event(event) => {
            super::metrics::event(state, &event);
            let time = DateTime::<Utc>::from_timestamp(event.time, 0).unwrap_or(state.now);
            let text = format!("{} {} {}", event.kind, event.action, event.subject);
            state.activity.push(ActivityEntry {
                time,
                kind: ActivityKind::Docker,
                text,
                duration: None,
            });
        }
        DockerUpdate::LifecycleDone {
            label,
            elapsed,
            result,
        } => match result {
            Ok(()) => {
                state.message = Some(format!("{label}: done in {:.1}s", elapsed.as_secs_f64()));
                log(state, ActivityKind::Action, label, Some(elapsed));
            }
            Err(error) => failed(state, &label, elapsed, &error),
        },
        DockerUpdate::AppMetrics { id, result } => super::metrics::scraped(state, &id, result),
        DockerUpdate::ProfileStates(states) => {
            for (project, running, total) in states {
                if let Some(entry) = state.profiles.iter_mut().find(|p| p.project == project) {
                    entry.running = running;
                    entry.total = total;
                    entry.counted = true;
                }
            }
        }
    }
    if rows_may_change && state.mode == Mode::Normal {
        let rows = service_rows(state).len();
        state.selected = state.selected.min(rows.saturating_sub(1));
    }
}

/// Stats stream only for containers on screen: the services table rows shown, the selected
/// service in the health panel, or every container in the metrics panel.
pub(super) fn sync_visible(state: &mut State, effects: &mut Vec<Effect>) {
    let mut wanted: Vec<String> = match state.panel {
        Panel::Services if !state.log_view.fullscreen => {
            let visible = visible_rows(state);
            service_rows(state)
                .into_iter()
                .skip(state.services_offset)
                .take(visible)
                .flat_map(|row| row.container_ids)
                .collect()
        }
        Panel::Health => super::services::selected_containers(state)
            .iter()
            .map(|c| c.id.clone())
            .collect(),
        // The Metrics panel charts every service's CPU and memory.
        Panel::Metrics if !state.log_view.fullscreen => state.containers.keys().cloned().collect(),
        _ => Vec::new(),
    };
    wanted.retain(|id| state.containers.get(id).is_some_and(|c| c.is_running()));
    wanted.sort();
    if wanted != state.stats_for {
        state.stats_for = wanted.clone();
        effects.push(Effect::Worker(WorkerCommand::Visible(wanted)));
    }
}
