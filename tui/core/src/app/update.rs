//! `update(&mut State, Action) -> Vec<Effect>`: the only place state changes, and only a dispatch:
//! each family of messages has its handler (keys and mouse in `input`, commands in `commands`,
//! the Docker worker's updates in `docker`, reloads in `reload`, audits in `audit`, the compose
//! model and finished tasks in `tasks`). No I/O here.

use super::action::{Action, Effect};
use super::screen::keep_selection_visible;
use super::state::{Panel, State};
use super::{docker, input, tasks};

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut effects = Vec::new();
    match action {
        Action::Key(key) => input::key(state, key, &mut effects),
        Action::Mouse(mouse) => input::mouse(state, mouse, &mut effects),
        Action::Run(command) => super::commands::run(state, command, &mut effects),
        Action::Resize { width, height } => {
            state.viewport = (width, height);
            state.dirty = true;
        }
        Action::Tick { now } => {
            state.now = now;
            // Uptime is only drawn on the services panel and a reload's seconds in the header;
            // the metrics' windows (also the topology picture's rates) move on each second;
            // otherwise a tick changes nothing.
            state.dirty |= matches!(state.panel, Panel::Services | Panel::Metrics)
                || (state.panel == Panel::Topology && !state.topology_list)
                || state.reload.running.is_some();
        }
        Action::FlushLogs => {
            let released = state.logs.flush() > 0;
            state.dirty |= released && (state.panel == Panel::Logs || state.log_view.fullscreen);
        }
        Action::Reload(event) => super::reload::handle(state, event, &mut effects),
        Action::Audited {
            profile,
            elapsed,
            result,
        } => super::audit::finished(state, &profile, elapsed, result),
        Action::DrillStarted { profile, name } => super::drills::started(state, &profile, &name),
        Action::DrillProgress { name, line } => super::drills::progress(state, &name, line),
        Action::DrillFinished {
            name,
            elapsed,
            result,
        } => super::drills::finished(state, &name, elapsed, result),
        Action::Docker(update) => docker::handle(state, update, &mut effects),
        Action::Model { profile, result } => tasks::model(state, profile, result, &mut effects),
        Action::TaskDone {
            label,
            elapsed,
            result,
        } => tasks::done(state, label, elapsed, result, &mut effects),
    }
    keep_selection_visible(state);
    docker::sync_visible(state, &mut effects);
    super::readiness::sync(state, &mut effects);
    super::metrics::sync(state, &mut effects);
    effects
}
