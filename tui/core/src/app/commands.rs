//! What each command does to the state, and the `:` command line.

use super::action::{ComposeOp, Effect};
use super::activity::ActivityKind;
use super::activity::log;
use super::input::apply_filter;
use super::reload;
use super::services::{selected_containers, selected_row, service_rows};
use super::state::{Confirm, Mode, Panel, State};
use crate::config::keymap::Command;
use crate::logs::JsonStyle;
use crate::protocol::docker::{LifecycleOp, WorkerCommand};
use crate::protocol::reload::SessionRequest;
use std::path::PathBuf;

pub fn run(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    state.dirty = true;
    if command.changes_containers() && refused_readonly(state) {
        return;
    }
    match command {
        Command::Quit => {
            state.quit = true;
            effects.push(Effect::Quit);
        }
        Command::Help => state.mode = Mode::Help,
        Command::NextPanel | Command::PrevPanel => {
            let index = Panel::ALL
                .iter()
                .position(|p| *p == state.panel)
                .unwrap_or(0);
            let len = Panel::ALL.len();
            let next = if command == Command::NextPanel {
                (index + 1) % len
            } else {
                (index + len - 1) % len
            };
            show(state, Panel::ALL[next]);
        }
        Command::ShowServices => show(state, Panel::Services),
        Command::ShowHealth => show(state, Panel::Health),
        Command::ShowLogs => show(state, Panel::Logs),
        Command::ShowTopology => show(state, Panel::Topology),
        Command::ShowProfiles => show(state, Panel::Profiles),
        Command::ShowActivity => show(state, Panel::Activity),
        Command::ShowAudit => show(state, Panel::Audit),
        Command::ShowDrills => show(state, Panel::Drills),
        Command::ShowMetrics => show(state, Panel::Metrics),
        Command::CycleWindow => state.metrics_window = state.metrics_window.next(),
        Command::StopDrill => super::drills::stop(state, effects),
        Command::Refresh => super::audit::start(state, effects),
        Command::ResumeReloads => reload::request(state, SessionRequest::ResumePaused, effects),
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom
            if super::logs::shown(state) =>
        {
            super::logs::movement(state, command)
        }
        Command::Up => step(state, -1),
        Command::Down => step(state, 1),
        Command::PageUp => step(state, -10),
        Command::PageDown => step(state, 10),
        Command::Top => step(state, -1_000_000),
        Command::Bottom => step(state, 1_000_000),
        Command::Filter => {
            let current = if state.panel == Panel::Logs || state.log_view.fullscreen {
                state
                    .log_view
                    .filter
                    .as_ref()
                    .map(|f| f.pattern().to_string())
                    .unwrap_or_default()
            } else {
                state.service_filter.clone()
            };
            state.mode = Mode::Filter(current);
        }
        Command::CommandLine => state.mode = Mode::Command(String::new()),
        Command::Drill => drill(state, effects),
        Command::Back => back(state),
        Command::Start => lifecycle(state, LifecycleOp::Start, effects),
        Command::Stop => lifecycle(state, LifecycleOp::Stop, effects),
        Command::Restart => lifecycle(state, LifecycleOp::Restart, effects),
        Command::Recreate => {
            if let Some(row) = selected_row(state) {
                let effect = Effect::Compose {
                    profile: state.profile.clone(),
                    op: ComposeOp::Recreate,
                    service: Some(row.name.clone()),
                    label: format!("recreate {}", row.name),
                };
                guarded(
                    state,
                    &format!("recreate {}", row.name),
                    vec![effect],
                    effects,
                );
            }
        }
        Command::Shell => {
            if let Some(container) = selected_containers(state)
                .into_iter()
                .find(|c| c.is_running())
            {
                let label = format!("shell in {}", container.name);
                effects.push(Effect::Exec {
                    container: container.id.clone(),
                    label,
                });
            } else {
                state.message = Some("no running container to open a shell in".into());
            }
        }
        Command::Logs => {
            state.log_view.service = selected_row(state).map(|row| row.name);
            state.log_view.fullscreen = true;
            state.log_view.follow = true;
        }
        Command::Sort => {
            state.sort = state.sort.next();
            state.message = Some(format!("sorted by {}", state.sort.label()));
        }
        Command::ToggleFollow => super::logs::toggle_follow(state),
        Command::ToggleJson => {
            state.log_view.json = match state.log_view.json {
                JsonStyle::Raw => JsonStyle::Pretty,
                JsonStyle::Pretty => JsonStyle::Compact,
                JsonStyle::Compact => JsonStyle::Raw,
            };
            super::logs::relayout(state);
        }
        Command::ToggleTimestamps => state.log_view.timestamps = !state.log_view.timestamps,
        Command::ToggleView => state.topology_list = !state.topology_list,
        Command::SaveLogs => save_logs(state, None, effects),
        Command::ClearLogs => state.logs.clear(),
        Command::Copy => super::logs::copy(state, effects),
        Command::ToggleWrap => {
            state.log_view.wrap = !state.log_view.wrap;
            super::logs::relayout(state);
        }
        Command::ToggleTimeZone => state.log_view.local_time = !state.log_view.local_time,
        Command::NextMatch | Command::PrevMatch | Command::NextProblem | Command::PrevProblem => {
            super::logs::jump(state, command)
        }
        Command::CycleLevel => super::logs::cycle_level(state),
        Command::ToggleMatchesOnly => {
            state.log_view.matches_only = !state.log_view.matches_only;
            super::logs::relayout(state);
        }
        Command::ProfileUp | Command::ProfileDown => {
            profile_op(state, command == Command::ProfileUp, effects)
        }
    }
}

fn show(state: &mut State, panel: Panel) {
    state.panel = panel;
    state.log_view.fullscreen = false;
    state.scroll = 0;
}

fn step(state: &mut State, delta: i64) {
    let move_index = |index: usize, len: usize| -> usize {
        let target = (index as i64 + delta).clamp(0, len.saturating_sub(1) as i64);
        target as usize
    };
    if state.log_view.fullscreen || state.panel == Panel::Logs {
        let newest = state.logs.pushed();
        let oldest = newest.saturating_sub(state.logs.len() as u64);
        let current = if state.log_view.follow {
            newest
        } else {
            state.log_view.anchor
        };
        let target =
            (current as i64 + delta * 3).clamp(oldest.min(newest) as i64, newest as i64) as u64;
        state.log_view.follow = target >= newest;
        state.log_view.anchor = target;
        return;
    }
    match state.panel {
        Panel::Services => state.selected = move_index(state.selected, service_rows(state).len()),
        Panel::Profiles => {
            state.profile_selected = move_index(state.profile_selected, state.profiles.len())
        }
        Panel::Audit => {
            state.audit.selected = move_index(state.audit.selected, state.audit.rows().len())
        }
        Panel::Drills => {
            let rows = super::drills::rows(&state.profile).len();
            state.drills.selected = move_index(state.drills.selected, rows)
        }
        _ => state.scroll = (i64::from(state.scroll) + delta).clamp(0, i64::from(u16::MAX)) as u16,
    }
}

fn drill(state: &mut State, effects: &mut Vec<Effect>) {
    if super::logs::shown(state) {
        super::logs::open_request(state);
        return;
    }
    match state.panel {
        Panel::Services => show(state, Panel::Health),
        Panel::Audit => state.audit.detail = state.audit.selected_finding().is_some(),
        Panel::Drills => super::drills::ask_to_run(state),
        Panel::Profiles => {
            if let Some(entry) = state.profiles.get(state.profile_selected).cloned() {
                switch_profile(state, &entry.name, effects);
            }
        }
        _ => {}
    }
}

fn back(state: &mut State) {
    if super::logs::shown(state) && state.log_view.request.is_some() {
        state.log_view.request = None;
    } else if state.log_view.fullscreen {
        state.log_view.fullscreen = false;
    } else if state.panel == Panel::Audit && state.audit.detail {
        state.audit.detail = false;
    } else if state.panel == Panel::Logs
        && (state.log_view.filter.is_some()
            || state.log_view.service.is_some()
            || state.log_view.min_level.is_some()
            || state.log_view.since.is_some())
    {
        state.log_view.filter = None;
        state.log_view.service = None;
        state.log_view.min_level = None;
        state.log_view.since = None;
    } else if !state.service_filter.is_empty() {
        state.service_filter.clear();
    } else {
        show(state, Panel::Services);
    }
}

/// Destructive effects on prod or on a remote daemon wait for a `y`; elsewhere they run at once.
/// The footer says "label…" once they run.
fn guarded(state: &mut State, label: &str, new: Vec<Effect>, effects: &mut Vec<Effect>) {
    match guard_place(state, state.is_prod()) {
        Some(place) => {
            state.mode = Mode::Confirm(Confirm {
                prompt: format!("{label} {place}?"),
                effects: new,
                running: format!("{label}…"),
            });
        }
        None => {
            state.message = Some(format!("{label}…"));
            effects.extend(new);
        }
    }
}

/// "on prod", "on remote daemon 'ctx'", both, or `None` where nothing needs asking.
fn guard_place(state: &State, prod: bool) -> Option<String> {
    let remote = format!("remote daemon '{}'", state.daemon.name);
    match (prod, state.daemon.remote) {
        (true, true) => Some(format!("on prod, {remote}")),
        (true, false) => Some("on prod".into()),
        (false, true) => Some(format!("on {remote}")),
        (false, false) => None,
    }
}

fn lifecycle(state: &mut State, op: LifecycleOp, effects: &mut Vec<Effect>) {
    let Some(row) = selected_row(state) else {
        return;
    };
    if row.container_ids.is_empty() {
        state.message = Some(format!(
            "{} has no containers; bring the profile up first",
            row.name
        ));
        return;
    }
    let label = format!("{} {}", op.verb(), row.name);
    let effect = Effect::Worker(WorkerCommand::Lifecycle {
        op,
        containers: row.container_ids.clone(),
        label: label.clone(),
    });
    if op == LifecycleOp::Start {
        state.message = Some(format!("{label}…"));
        effects.push(effect);
    } else {
        guarded(state, &label, vec![effect], effects);
    }
}

fn profile_op(state: &mut State, up: bool, effects: &mut Vec<Effect>) {
    profile_op_with(state, up, Vec::new(), effects);
}

/// [`profile_op`], bringing the profile up with the opt-in overlays in `with` turned on.
fn profile_op_with(state: &mut State, up: bool, with: Vec<String>, effects: &mut Vec<Effect>) {
    let Some(entry) = state.profiles.get(state.profile_selected).cloned() else {
        return;
    };
    let op = if up {
        ComposeOp::Up { with }
    } else {
        ComposeOp::Down { volumes: false }
    };
    let label = format!("{} profile {}", if up { "up" } else { "down" }, entry.name);
    let effect = Effect::Compose {
        profile: entry.name.clone(),
        op,
        service: None,
        label: label.clone(),
    };
    if !up && (crate::model::is_protected(&entry.name) || state.daemon.remote) {
        // The label names the profile already; a remote daemon is added to the prompt.
        let prompt = match guard_place(state, false) {
            Some(remote) => format!("{label} {remote}?"),
            None => format!("{label}?"),
        };
        state.mode = Mode::Confirm(Confirm {
            prompt,
            effects: vec![effect],
            running: format!("{label}…"),
        });
    } else {
        state.message = Some(format!("{label}…"));
        effects.push(effect);
    }
}

pub fn switch_profile(state: &mut State, name: &str, effects: &mut Vec<Effect>) {
    let Some(entry) = state.profiles.iter().find(|p| p.name == name).cloned() else {
        let known: Vec<&str> = state.profiles.iter().map(|p| p.name.as_str()).collect();
        state.message = Some(format!(
            "unknown profile {name:?}; known: {}",
            known.join(", ")
        ));
        return;
    };
    if entry.name == state.profile {
        return;
    }
    state.profile = entry.name.clone();
    state.project = entry.project.clone();
    state.containers.clear();
    state.stats.clear();
    state.networks.clear();
    state.model = None;
    state.model_error = None;
    super::audit::reset(state);
    super::drills::reset(state);
    state.logs.clear();
    state.selected = 0;
    state.log_view.service = None;
    log(
        state,
        ActivityKind::Action,
        format!("switched to profile {name}"),
        None,
    );
    effects.push(Effect::Worker(WorkerCommand::Watch {
        project: entry.project,
    }));
    effects.push(Effect::ReloadProfile {
        profile: entry.name.clone(),
    });
    effects.push(Effect::LoadModel {
        profile: entry.name,
    });
}

/// Under `--readonly`, says so and returns true.
pub(super) fn refused_readonly(state: &mut State) -> bool {
    if state.readonly {
        state.message =
            Some("read-only mode (--readonly): nothing that changes containers runs".into());
    }
    state.readonly
}

fn save_logs(state: &mut State, path: Option<PathBuf>, effects: &mut Vec<Effect>) {
    let path = path.unwrap_or_else(|| {
        PathBuf::from(format!(
            "stack-tui-{}-logs-{}.log",
            state.profile,
            state.now.format("%Y%m%d-%H%M%S")
        ))
    });
    let lines = super::views::logs::visible_text(state);
    state.message = Some(format!(
        "saving {} lines to {}",
        lines.len(),
        path.display()
    ));
    effects.push(Effect::SaveLogs { path, lines });
}

/// `:profile dev`, `:up`, `:up --with monitoring`, `:down`, `:logs app`, `:grep REGEX`, `:save [PATH]`, `:q`.
pub fn command_line(state: &mut State, line: &str, effects: &mut Vec<Effect>) {
    let mut words = line.split_whitespace();
    let verb = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    match (verb, rest.as_slice()) {
        ("", _) => {}
        ("q" | "quit", _) => run(state, Command::Quit, effects),
        ("profile" | "p", [name]) => switch_profile(state, name, effects),
        ("up", [] | ["--with", _]) | ("down", []) | ("resume", []) | ("reload", _)
            if refused_readonly(state) => {}
        ("up", []) | ("down", []) => {
            state.profile_selected = state
                .profiles
                .iter()
                .position(|p| p.name == state.profile)
                .unwrap_or(0);
            profile_op(state, verb == "up", effects);
        }
        ("up", ["--with", overlay]) => {
            state.profile_selected = state
                .profiles
                .iter()
                .position(|p| p.name == state.profile)
                .unwrap_or(0);
            profile_op_with(state, true, vec![(*overlay).to_string()], effects);
        }
        ("logs", services) => {
            state.log_view.service = services.first().map(|s| s.to_string());
            state.log_view.fullscreen = true;
        }
        ("grep", _) => {
            let pattern = line.trim_start().strip_prefix("grep").unwrap_or("").trim();
            state.panel = Panel::Logs;
            apply_filter(state, pattern);
        }
        ("since", _) => {
            let argument = line.trim_start().strip_prefix("since").unwrap_or("");
            super::logs::since_command(state, argument);
        }
        ("level", words) => super::logs::level_command(state, words),
        ("save", []) => save_logs(state, None, effects),
        ("save", [path]) => save_logs(state, Some(PathBuf::from(path)), effects),
        ("help", _) => state.mode = Mode::Help,
        ("resume", []) => reload::request(state, SessionRequest::ResumePaused, effects),
        ("audit", []) => {
            show(state, Panel::Audit);
            super::audit::start(state, effects);
        }
        ("reload", [part]) => match reload::part(part) {
            Ok(kind) => reload::request(state, SessionRequest::Reload(kind), effects),
            Err(message) => state.message = Some(message),
        },
        _ => {
            state.message = Some(format!(
                "unknown command {line:?} (try :profile NAME, :up, :down, :logs [SERVICE], :grep REGEX, :since 5m, :level warn, :save [PATH], :reload app|proxy|db|stack, :resume, :audit, :q)"
            ))
        }
    }
}
