//! The Metrics panel's inputs: nginx's access lines, app replicas' `/metrics` scrapes and stats
//! samples into `state.metrics`; which replicas the worker scrapes (only while Metrics or
//! Topology is on screen); and the health flags into Activity as they go up and down.

use super::action::Effect;
use super::activity::{ActivityKind, log};
use super::state::{Panel, State};
use crate::logs::LogLine;
use crate::metrics::access;
use crate::model::container::{ContainerSnapshot, StatsSample};
use crate::protocol::docker::{EngineEvent, WorkerCommand};
use chrono::DateTime;
use std::collections::HashMap;

/// The role of the service whose access lines are read (nginx in the bundled stack).
const ENTRY_ROLE: &str = "entry";

fn is_entry(container: &ContainerSnapshot) -> bool {
    match container.role.as_deref() {
        Some(role) => role == ENTRY_ROLE,
        None => container.service == "nginx",
    }
}

/// A batch of log lines: the entry service's access lines count as requests, at the engine's
/// timestamp (a backlog read at start lands where it happened, or outside the windows).
pub(super) fn logs(state: &mut State, lines: &[LogLine]) {
    let entries: Vec<&str> = state
        .containers
        .values()
        .filter(|c| is_entry(c))
        .map(|c| c.service.as_str())
        .collect();
    if entries.is_empty() {
        return;
    }
    let mut upstreams: Option<HashMap<&str, (&str, &str)>> = None;
    let now = state.now.timestamp();
    for line in lines {
        if !entries.contains(&&*line.service) {
            continue;
        }
        let Some(request) = access::parse(&line.text) else {
            continue;
        };
        let second = line
            .timestamp
            .as_deref()
            .and_then(|stamp| DateTime::parse_from_rfc3339(stamp).ok())
            .map_or(now, |time| time.timestamp());
        // Which replica answered: built once per batch, only when a line names an upstream.
        let replica = request.upstream.as_deref().and_then(|address| {
            let map = upstreams.get_or_insert_with(|| addresses(&state.containers));
            map.get(access::host_of(address)).copied()
        });
        state
            .metrics
            .record_access(&line.service, &request, second, replica);
    }
}

/// Container addresses on every network → (container id, service).
fn addresses(
    containers: &std::collections::BTreeMap<String, ContainerSnapshot>,
) -> HashMap<&str, (&str, &str)> {
    containers
        .values()
        .flat_map(|c| {
            c.networks
                .iter()
                .map(move |n| (n.address.as_str(), (c.id.as_str(), c.service.as_str())))
        })
        .filter(|(address, _)| !address.is_empty())
        .collect()
}

pub(super) fn stats(state: &mut State, id: &str, sample: &StatsSample) {
    let second = state.now.timestamp();
    state.metrics.record_stats(id, sample, second);
}

/// One scrape of a replica's `/metrics`; a failed one is only logged (the panel shows the
/// replica from nginx's lines meanwhile).
pub(super) fn scraped(state: &mut State, id: &str, result: Result<String, String>) {
    let Some(service) = state.containers.get(id).map(|c| c.service.clone()) else {
        return;
    };
    let second = state.now.timestamp();
    let outcome = result.and_then(|text| state.metrics.record_scrape(&service, id, &text, second));
    if let Err(error) = outcome {
        tracing::debug!(%id, %error, "app metrics scrape failed");
    }
    state.dirty |= matches!(state.panel, Panel::Metrics | Panel::Topology);
}

/// The engine's `oom` event: the kernel killed a process of the container.
pub(super) fn event(state: &mut State, event: &EngineEvent) {
    if event.action != "oom" {
        return;
    }
    if let Some(id) = state
        .containers
        .values()
        .find(|c| c.name == event.subject)
        .map(|c| c.id.clone())
    {
        state.metrics.flags.oom(&id, state.now);
    }
}

/// After every update: the clock, the flags, the series of removed containers, and which
/// replicas the worker scrapes.
pub(super) fn sync(state: &mut State, effects: &mut Vec<Effect>) {
    state.metrics.advance(state.now.timestamp());
    let changes = state.metrics.flags.evaluate(&state.containers, state.now);
    for change in changes {
        let kind = if change.raised {
            ActivityKind::Error
        } else {
            ActivityKind::Health
        };
        log(state, kind, change.text, None);
        state.dirty = true;
    }
    let containers = &state.containers;
    state.metrics.retain(|id| containers.contains_key(id));
    let on_screen =
        matches!(state.panel, Panel::Metrics | Panel::Topology) && !state.log_view.fullscreen;
    let mut wanted: Vec<String> = if on_screen {
        containers
            .values()
            .filter(|c| c.is_running_app())
            .map(|c| c.id.clone())
            .collect()
    } else {
        Vec::new()
    };
    wanted.sort();
    if wanted != state.metrics_for {
        state.metrics_for = wanted.clone();
        effects.push(Effect::Worker(WorkerCommand::AppMetrics(wanted)));
    }
}
