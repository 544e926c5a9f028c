//! Hot reload as the dashboard sees it: the watch state, the reload in progress (the header shows
//! its current step) and the timeline entries in Activity.

use super::action::Effect;
use super::activity::ActivityKind;
use super::activity::log;
use super::state::State;
use crate::protocol::reload::{ReloadEvent, SessionEvent, SessionRequest, describe_untimed};
use crate::reload::{ChangeKind, Step};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadView {
    /// The watched folders, once watching has started; `None` while off.
    pub watching: Option<Vec<String>>,
    pub running: Option<RunningReload>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningReload {
    pub kind: ChangeKind,
    pub step: Option<Step>,
    pub since: DateTime<Utc>,
}

impl RunningReload {
    /// "app reload: build component 12s".
    pub fn progress(&self, now: DateTime<Utc>) -> String {
        let seconds = (now - self.since).num_seconds().max(0);
        let step = self.step.map_or("starting", Step::label);
        format!("{} reload: {step} {seconds}s", self.kind.label())
    }
}

pub(super) fn handle(state: &mut State, event: SessionEvent, effects: &mut Vec<Effect>) {
    // What a stack or proxy reload applied may have changed the audit's answer.
    let rerun = applied_config(&event);
    show(state, event);
    if rerun {
        super::audit::start(state, effects);
    }
}

fn show(state: &mut State, event: SessionEvent) {
    state.dirty = true;
    match event {
        SessionEvent::Watching { folders, profile } => {
            let text = format!("watching {} for {profile}", folders.join(", "));
            log(state, ActivityKind::Reload, text, None);
            state.reload.watching = Some(folders);
        }
        SessionEvent::WatchFailed(message) => {
            let text = format!("file watching failed: {message}");
            state.message = Some(text.clone());
            log(state, ActivityKind::Error, text, None);
        }
        SessionEvent::ProfileUnusable(message) => {
            log(
                state,
                ActivityKind::Error,
                format!("no hot reload: {message}"),
                None,
            );
        }
        SessionEvent::Resumed { paths } => {
            let text = if paths.is_empty() {
                "no paused paths to resume".to_string()
            } else {
                format!("watching again: {}", paths.join(", "))
            };
            state.message = Some(text.clone());
            log(state, ActivityKind::Reload, text, None);
        }
        SessionEvent::Reload(event) => timeline(state, event),
    }
}

/// A reload that changed the stack's or the proxy's configuration, and succeeded.
fn applied_config(event: &SessionEvent) -> bool {
    matches!(
        event,
        SessionEvent::Reload(ReloadEvent::Finished {
            ok: true,
            kind: ChangeKind::Stack | ChangeKind::Proxy,
            ..
        })
    )
}

/// Passes a request to the hot-reload loop, or says why there is none.
pub fn request(state: &mut State, request: SessionRequest, effects: &mut Vec<Effect>) {
    if state.reload.watching.is_none() {
        state.message =
            Some("hot reload is off (the dashboard was started with --no-watch)".into());
        return;
    }
    if let (SessionRequest::Reload(_), Some(running)) = (request, &state.reload.running) {
        state.message = Some(format!(
            "queued after the running {} reload",
            running.kind.label()
        ));
    }
    effects.push(Effect::ReloadRequest(request));
}

/// The part named on the `:reload` line.
pub fn part(name: &str) -> Result<ChangeKind, String> {
    ChangeKind::from_label(name).ok_or_else(|| {
        format!(
            "unknown part {name:?}; :reload takes {}",
            ChangeKind::labels_listed()
        )
    })
}

fn timeline(state: &mut State, event: ReloadEvent) {
    let text = describe_untimed(&event);
    match event {
        ReloadEvent::Started { kind, .. } => {
            state.reload.running = Some(RunningReload {
                kind,
                step: None,
                since: state.now,
            });
            log(state, ActivityKind::Reload, text, None);
        }
        ReloadEvent::StepStarted { step } => {
            if let Some(running) = state.reload.running.as_mut() {
                running.step = Some(step);
            }
        }
        ReloadEvent::StepDone {
            duration, result, ..
        } => {
            let kind = match result {
                Ok(_) => ActivityKind::Reload,
                Err(_) => ActivityKind::Error,
            };
            log(state, kind, text.trim_start().to_string(), Some(duration));
        }
        ReloadEvent::Skipped { .. } => {
            state.message = Some(text.clone());
            log(state, ActivityKind::Reload, text, None);
        }
        ReloadEvent::Superseded { total, .. } => {
            state.reload.running = None;
            state.message = Some(text.clone());
            log(state, ActivityKind::Reload, text, Some(total));
        }
        ReloadEvent::Finished { ok, total, .. } => {
            state.reload.running = None;
            state.message = Some(if ok {
                text.clone()
            } else {
                format!("{text} — details in Activity")
            });
            let kind = if ok {
                ActivityKind::Reload
            } else {
                ActivityKind::Error
            };
            log(state, kind, text, Some(total));
        }
    }
}
