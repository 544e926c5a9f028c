//! The Drills panel's state: the catalogue's drills for the current profile, the one running
//! (the runtime follows a `stack-tui drill run` of it) and each drill's last verdict. A drill
//! breaks part of the stack on purpose, so it only starts after a `y`.

use super::action::Effect;
use super::activity::{ActivityKind, log};
use super::state::{Confirm, Mode, State};
use crate::drill::{DRILLS, Drill};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrillsView {
    pub selected: usize,
    pub running: Option<RunningDrill>,
    /// The last verdict of each drill run from this dashboard, by drill name.
    pub results: BTreeMap<String, DrillResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunningDrill {
    pub name: String,
    pub profile: String,
    pub started: DateTime<Utc>,
    /// The drill's latest progress line ("paused … for 5 s").
    pub last: String,
    /// A stop was asked for; the drill heals before it ends.
    pub stopping: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrillResult {
    pub passed: bool,
    /// One line: what the clients saw, or why the drill did not run.
    pub summary: String,
    pub at: DateTime<Utc>,
}

/// How a drill run ended, as the runtime read it from `drill run --json`.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillOutcome {
    pub passed: bool,
    pub summary: String,
}

/// The drills that apply to `profile`, in catalogue order: the panel's rows.
pub fn rows(profile: &str) -> Vec<&'static Drill> {
    DRILLS
        .iter()
        .filter(|drill| drill.applies_to(profile))
        .collect()
}

pub fn selected(state: &State) -> Option<&'static Drill> {
    rows(&state.profile).get(state.drills.selected).copied()
}

/// Enter on a drill: asks for a `y` naming what will break; one drill at a time.
pub fn ask_to_run(state: &mut State) {
    if super::commands::refused_readonly(state) {
        return;
    }
    if let Some(running) = &state.drills.running {
        state.message = Some(format!(
            "drill {} is running (x stops it; it heals first)",
            running.name
        ));
        return;
    }
    let Some(drill) = selected(state) else {
        return;
    };
    let profile = state.profile.clone();
    state.mode = Mode::Confirm(Confirm {
        prompt: format!(
            "run drill {} on {profile}? Fault: {}, under a steady load; the drill heals \
             afterwards. [y/N]",
            drill.name, drill.fault_text
        ),
        effects: vec![Effect::Drill {
            profile,
            name: drill.name.to_string(),
        }],
        running: format!("drill {}: starting…", drill.name),
    });
}

/// The runtime started the drill.
pub fn started(state: &mut State, profile: &str, name: &str) {
    state.drills.running = Some(RunningDrill {
        name: name.to_string(),
        profile: profile.to_string(),
        started: state.now,
        last: "starting".into(),
        stopping: false,
    });
    log(
        state,
        ActivityKind::Action,
        format!("drill {name} on {profile}: started"),
        None,
    );
    state.dirty = true;
}

/// A progress line of the running drill, kept in Activity.
pub fn progress(state: &mut State, name: &str, line: String) {
    if let Some(running) = state.drills.running.as_mut().filter(|r| r.name == name) {
        running.last = line.clone();
    }
    log(state, ActivityKind::Action, format!("drill {line}"), None);
    state.dirty = true;
}

/// `x`: asks the running drill to stop; it heals before it ends.
pub fn stop(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(running) = state.drills.running.as_mut() else {
        state.message = Some("no drill is running".into());
        return;
    };
    if !running.stopping {
        running.stopping = true;
        effects.push(Effect::StopDrill);
    }
    state.message = Some(format!("stopping drill {} (healing first)…", running.name));
}

pub fn finished(
    state: &mut State,
    name: &str,
    elapsed: Duration,
    result: Result<DrillOutcome, String>,
) {
    let profile = state
        .drills
        .running
        .take()
        .map(|running| running.profile)
        .unwrap_or_else(|| state.profile.clone());
    let outcome = result.unwrap_or_else(|error| DrillOutcome {
        passed: false,
        summary: error,
    });
    let verdict = if outcome.passed { "PASS" } else { "FAIL" };
    let text = format!("drill {name} on {profile}: {verdict}: {}", outcome.summary);
    state.message = Some(text.clone());
    let kind = if outcome.passed {
        ActivityKind::Action
    } else {
        ActivityKind::Error
    };
    log(state, kind, text, Some(elapsed));
    if profile == state.profile {
        state.drills.results.insert(
            name.to_string(),
            DrillResult {
                passed: outcome.passed,
                summary: outcome.summary,
                at: state.now,
            },
        );
    }
    state.dirty = true;
}

/// Another profile has other drills and no verdicts yet; a running drill goes on.
pub fn reset(state: &mut State) {
    state.drills.selected = 0;
    state.drills.results.clear();
}
