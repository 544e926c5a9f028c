//! The compose model of a profile arriving, and the end of a task the runtime ran (up, down,
//! builds): what the dashboard shows and re-checks afterwards.

use super::action::Effect;
use super::activity::{ActivityKind, failed, log};
use super::state::State;
use crate::model::ComposeModel;
use crate::protocol::docker::WorkerCommand;
use std::time::Duration;

pub(super) fn model(
    state: &mut State,
    profile: String,
    result: Result<ComposeModel, String>,
    effects: &mut Vec<Effect>,
) {
    match result {
        Ok(model) => {
            if let Some(entry) = state.profiles.iter_mut().find(|p| p.name == profile) {
                entry.ports = model
                    .published_ports()
                    .iter()
                    .map(|(ip, port)| format!("{ip}:{port}"))
                    .collect();
                entry.expected = Some(model.long_running_services());
            }
            if profile == state.profile {
                state.model = Some(model);
                state.model_error = None;
                super::audit::start(state, effects);
            }
        }
        Err(error) => {
            if profile == state.profile {
                state.model_error = Some(error.clone());
            }
            log(
                state,
                ActivityKind::Error,
                format!("compose config for {profile}: {error}"),
                None,
            );
        }
    }
    state.dirty = true;
}

pub(super) fn done(
    state: &mut State,
    label: String,
    elapsed: Duration,
    result: Result<String, String>,
    effects: &mut Vec<Effect>,
) {
    match result {
        Ok(detail) => {
            state.message = Some(if detail.is_empty() {
                format!("{label}: done")
            } else {
                detail
            });
            log(
                state,
                ActivityKind::Action,
                format!("{label}: done"),
                Some(elapsed),
            );
        }
        Err(error) => failed(state, &label, elapsed, &error),
    }
    let projects = state.profiles.iter().map(|p| p.project.clone()).collect();
    effects.push(Effect::Worker(WorkerCommand::ProfileStates(projects)));
    // Containers came or went: the runtime half of the audit changed.
    super::audit::start(state, effects);
    state.dirty = true;
}
