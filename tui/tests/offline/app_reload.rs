//! Hot-reload events as the dashboard shows them: activity timeline, progress and results.

use crate::common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use stack_core::app::{Action, ActivityKind, Effect, update};
use stack_core::config::keymap::Command;
use stack_core::protocol::reload::{ReloadEvent, SessionEvent, SessionRequest};
use stack_core::reload::{ChangeKind, Step};
use std::path::PathBuf;
use std::time::Duration;

fn reload(event: ReloadEvent) -> Action {
    Action::Reload(SessionEvent::Reload(event))
}

/// An app reload whose build fails with a compiler error: started, step, failed step, finished.
pub(crate) fn failed_app_reload() -> Vec<Action> {
    vec![
        reload(ReloadEvent::Started {
            kind: ChangeKind::App,
            paths: vec![PathBuf::from("edge-app/src/lib.rs")],
        }),
        reload(ReloadEvent::StepStarted {
            step: Step::BuildComponent,
        }),
        reload(ReloadEvent::StepDone {
            step: Step::BuildComponent,
            duration: Duration::from_millis(4200),
            result: Err(
                "edge-app/src/lib.rs:3:5: error: expected `;`\nerror: could not compile `edge-app`"
                    .into(),
            ),
        }),
        reload(ReloadEvent::Finished {
            kind: ChangeKind::App,
            ok: false,
            total: Duration::from_millis(4300),
        }),
    ]
}

#[test]
fn a_running_reload_shows_its_current_step() {
    let mut state = healthy_state();
    let actions = failed_app_reload();
    update(&mut state, actions[0].clone());
    update(&mut state, actions[1].clone());
    let running = state.reload.running.clone().expect("a reload is running");
    assert_eq!(running.kind, ChangeKind::App);
    assert_eq!(running.step, Some(Step::BuildComponent));
    assert!(
        running
            .progress(state.now)
            .starts_with("app reload: build component"),
        "{}",
        running.progress(state.now)
    );
}

#[test]
fn a_failed_reload_keeps_the_compiler_errors_in_activity() {
    let mut state = healthy_state();
    for action in failed_app_reload() {
        update(&mut state, action);
    }
    assert!(
        state.reload.running.is_none(),
        "finished reloads stop the progress"
    );
    let entries: Vec<_> = state.activity.iter().collect();
    let failure = entries
        .iter()
        .find(|entry| entry.kind == ActivityKind::Error && entry.text.contains("build component"))
        .expect("the failed step is an error entry");
    assert!(failure.text.contains("expected `;`"), "{}", failure.text);
    assert_eq!(failure.duration, Some(Duration::from_millis(4200)));
    let last = entries.last().expect("the result is logged");
    assert!(last.text.contains("keeps serving"), "{}", last.text);
    let message = state.message.clone().unwrap_or_default();
    assert!(message.contains("Activity"), "{message}");
}

#[test]
fn skipped_and_watch_problems_are_reported() {
    let cases: &[(SessionEvent, ActivityKind, &str)] = &[
        (
            SessionEvent::Watching {
                folders: vec!["edge-app".into(), "proxy-config".into()],
                profile: "local".into(),
            },
            ActivityKind::Reload,
            "watching edge-app, proxy-config for local",
        ),
        (
            SessionEvent::Reload(ReloadEvent::Skipped {
                kind: ChangeKind::Stack,
                reason: "hot reload is off for the prod profile".into(),
            }),
            ActivityKind::Reload,
            "stack change not reloaded: hot reload is off",
        ),
        (
            SessionEvent::WatchFailed("inotify watch limit reached".into()),
            ActivityKind::Error,
            "file watching failed: inotify watch limit reached",
        ),
    ];
    for (event, kind, text) in cases {
        let mut state = healthy_state();
        update(&mut state, Action::Reload(event.clone()));
        let entry = state.activity.iter().last().expect("an entry");
        assert_eq!(entry.kind, *kind, "{event:?}");
        assert!(entry.text.starts_with(text), "{event:?}: {}", entry.text);
    }
}

#[test]
fn switching_profile_moves_hot_reload_along() {
    let mut state = healthy_state();
    update(&mut state, Action::Run(Command::ShowProfiles));
    update(&mut state, Action::Run(Command::Down));
    let effects = update(&mut state, Action::Run(Command::Drill));
    assert!(
        effects.iter().any(|effect| matches!(
            effect,
            Effect::ReloadProfile { profile } if profile == &state.profile
        )),
        "{effects:?}"
    );
    assert_ne!(state.profile, "local");
}

fn watching(mut state: stack_core::app::State) -> stack_core::app::State {
    update(
        &mut state,
        Action::Reload(SessionEvent::Watching {
            folders: vec!["edge-app".into(), "proxy-config".into()],
            profile: "local".into(),
        }),
    );
    state
}

/// Types `:line` and Enter.
pub fn command_line(state: &mut stack_core::app::State, line: &str) -> Vec<Effect> {
    let mut effects = update(state, Action::Run(Command::CommandLine));
    for c in line.chars() {
        let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        effects.extend(update(state, Action::Key(key)));
    }
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    effects.extend(update(state, Action::Key(enter)));
    effects
}

#[test]
fn reload_and_resume_requests_reach_the_loop() {
    let mut state = watching(healthy_state());
    let effects = command_line(&mut state, "reload proxy");
    assert_eq!(
        effects,
        vec![Effect::ReloadRequest(SessionRequest::Reload(
            ChangeKind::Proxy
        ))]
    );
    let effects = command_line(&mut state, "resume");
    assert_eq!(
        effects,
        vec![Effect::ReloadRequest(SessionRequest::ResumePaused)]
    );
    // `p` in Activity resumes too.
    update(&mut state, Action::Run(Command::ShowActivity));
    let p = KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE);
    assert_eq!(
        update(&mut state, Action::Key(p)),
        vec![Effect::ReloadRequest(SessionRequest::ResumePaused)]
    );
}

fn is_reload_request(effect: &Effect) -> bool {
    matches!(effect, Effect::ReloadRequest(_))
}

#[test]
fn reload_requests_explain_why_nothing_happens() {
    let mut state = watching(healthy_state());
    let effects = command_line(&mut state, "reload nginx");
    assert!(!effects.iter().any(is_reload_request), "{effects:?}");
    let message = state.message.clone().unwrap_or_default();
    assert!(
        message.contains("unknown part \"nginx\"") && message.contains("app, proxy, db or stack"),
        "{message}"
    );

    // The database is a part of its own: its request reaches the loop.
    let mut state = watching(healthy_state());
    let effects = command_line(&mut state, "reload db");
    assert_eq!(
        effects,
        vec![Effect::ReloadRequest(SessionRequest::Reload(
            ChangeKind::Db
        ))]
    );

    // Started with --no-watch: no loop to ask.
    let mut state = healthy_state();
    let effects = command_line(&mut state, "reload app");
    assert!(!effects.iter().any(is_reload_request), "{effects:?}");
    let message = state.message.clone().unwrap_or_default();
    assert!(message.contains("--no-watch"), "{message}");
}

#[test]
fn resumed_paths_are_reported_in_activity() {
    let mut state = watching(healthy_state());
    update(
        &mut state,
        Action::Reload(SessionEvent::Resumed {
            paths: vec!["env/local.env".into()],
        }),
    );
    let entry = state.activity.iter().last().expect("an entry");
    assert_eq!(entry.text, "watching again: env/local.env");
    update(
        &mut state,
        Action::Reload(SessionEvent::Resumed { paths: vec![] }),
    );
    let entry = state.activity.iter().last().expect("an entry");
    assert_eq!(entry.text, "no paused paths to resume");
}
