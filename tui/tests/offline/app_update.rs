//! `update` driven by actions, checked with case tables.

use crate::common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use stack_core::app::{Action, Connection, DaemonContext, Effect, Mode, Panel, update};
use stack_core::config::keymap::Command;
use stack_core::model::container::{Health, RunState};
use stack_core::protocol::docker::{DockerUpdate, LifecycleOp, WorkerCommand};
use std::time::Duration;

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn keys_move_between_panels() {
    let cases: &[(&[Action], Panel)] = &[
        (&[], Panel::Services),
        (&[code(KeyCode::Tab)], Panel::Health),
        (&[code(KeyCode::Tab), code(KeyCode::Tab)], Panel::Logs),
        (&[code(KeyCode::BackTab)], Panel::Metrics),
        (
            &[code(KeyCode::BackTab), code(KeyCode::BackTab)],
            Panel::Drills,
        ),
        (&[key('9')], Panel::Metrics),
        (&[key('7')], Panel::Audit),
        (&[key('4')], Panel::Topology),
        (&[key('5'), code(KeyCode::Esc)], Panel::Services),
        (&[code(KeyCode::Enter)], Panel::Health),
    ];
    for (actions, expected) in cases {
        let mut state = healthy_state();
        for action in actions.iter().cloned() {
            update(&mut state, action);
        }
        assert_eq!(state.panel, *expected, "after {actions:?}");
    }
}

#[test]
fn selection_moves_and_stays_in_range() {
    let cases: &[(&[char], usize)] = &[
        (&[], 0),
        (&['j'], 1),
        (&['j', 'j', 'j', 'j', 'j'], 3),
        (&['j', 'k', 'k'], 0),
        (&['G'], 3),
        (&['G', 'g'], 0),
    ];
    for (keys, expected) in cases {
        let mut state = healthy_state();
        for c in keys.iter() {
            update(&mut state, key(*c));
        }
        assert_eq!(state.selected, *expected, "after {keys:?}");
    }
}

#[test]
fn lifecycle_keys_ask_the_worker_and_prod_asks_first() {
    // Services sort by name: app, nginx, postgres, redis. Select redis (row 3).
    let cases = [
        ("local", 'r', Some(LifecycleOp::Restart), false),
        ("local", 'x', Some(LifecycleOp::Stop), false),
        ("local", 'S', Some(LifecycleOp::Start), false),
        ("prod", 'r', None, true),
        ("prod", 'S', Some(LifecycleOp::Start), false),
    ];
    for (profile, pressed, expected, confirms) in cases {
        let mut state = healthy_state();
        state.profile = profile.into();
        state.selected = 3;
        let effects = update(&mut state, key(pressed));
        let op = effects.iter().find_map(|effect| match effect {
            Effect::Worker(WorkerCommand::Lifecycle { op, containers, .. }) => {
                assert_eq!(containers, &["redis0000000000000000".to_string()]);
                Some(*op)
            }
            _ => None,
        });
        assert_eq!(op, expected, "{profile} {pressed}");
        if op.is_some() {
            assert!(
                state.message.as_deref().is_some_and(|m| m.ends_with('…')),
                "{profile} {pressed}: {:?}",
                state.message
            );
        }
        assert_eq!(
            matches!(state.mode, Mode::Confirm(_)),
            confirms,
            "{profile} {pressed}"
        );
        if confirms {
            assert_eq!(
                state.message, None,
                "nothing is said to run before the answer"
            );
            let effects = update(&mut state, key('y'));
            assert_eq!(state.message.as_deref(), Some("restart redis…"));
            assert!(effects.iter().any(|e| matches!(
                e,
                Effect::Worker(WorkerCommand::Lifecycle {
                    op: LifecycleOp::Restart,
                    ..
                })
            )));
        }
    }
}

/// Effects that would change a container (or ask the reload loop to).
fn changing(effects: &[Effect]) -> Vec<&Effect> {
    effects
        .iter()
        .filter(|effect| {
            matches!(
                effect,
                Effect::Worker(WorkerCommand::Lifecycle { .. })
                    | Effect::Compose { .. }
                    | Effect::Exec { .. }
                    | Effect::ReloadRequest(_)
            )
        })
        .collect()
}

#[test]
fn readonly_keys_and_commands_change_no_container() {
    // r restart, x stop, S start, R recreate, s shell; then :up, :down, :reload stack.
    let mut state = healthy_state();
    state.readonly = true;
    state.selected = 3;
    for pressed in ['r', 'x', 'S', 'R', 's'] {
        let effects = update(&mut state, key(pressed));
        assert!(changing(&effects).is_empty(), "{pressed}: {effects:?}");
        assert!(matches!(state.mode, Mode::Normal), "{pressed}: no dialog");
        let message = state.message.clone().unwrap_or_default();
        assert!(message.contains("read-only"), "{pressed}: {message}");
    }
    for line in ["up", "down", "reload stack", "resume"] {
        update(&mut state, key(':'));
        for c in line.chars() {
            update(&mut state, key(c));
        }
        let effects = update(&mut state, code(KeyCode::Enter));
        assert!(changing(&effects).is_empty(), ":{line}: {effects:?}");
        assert!(matches!(state.mode, Mode::Normal), ":{line}: no dialog");
    }
    // Looking around still works.
    update(&mut state, key('4'));
    assert_eq!(state.panel, Panel::Topology);
    // The same keys act when the mode is off.
    state.readonly = false;
    update(&mut state, key('1'));
    assert_eq!(changing(&update(&mut state, key('r'))).len(), 1);
}

#[test]
fn a_remote_daemon_asks_first_like_prod() {
    let mut state = healthy_state();
    state.daemon = DaemonContext {
        name: "build-box".into(),
        remote: true,
    };
    state.selected = 3;
    let effects = update(&mut state, key('x'));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Worker(WorkerCommand::Lifecycle { .. }))),
        "stop waits for y"
    );
    match &state.mode {
        Mode::Confirm(confirm) => {
            assert_eq!(confirm.prompt, "stop redis on remote daemon 'build-box'?")
        }
        other => panic!("expected a confirmation, got {other:?}"),
    }
    // Starting is never destructive.
    let mut state = healthy_state();
    state.daemon.remote = true;
    state.selected = 3;
    let effects = update(&mut state, key('S'));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Worker(WorkerCommand::Lifecycle {
            op: LifecycleOp::Start,
            ..
        })
    )));
}

#[test]
fn docker_updates_change_state() {
    let mut state = healthy_state();
    let mut redis = container("redis", RunState::Exited, Health::None);
    redis.networks.clear();
    update(&mut state, Action::Docker(DockerUpdate::Container(redis)));
    assert_eq!(
        state.containers["redis0000000000000000"].state,
        RunState::Exited
    );

    update(
        &mut state,
        Action::Docker(DockerUpdate::Disconnected {
            reason: "gone".into(),
            retry_in: Duration::from_secs(1),
        }),
    );
    assert!(matches!(state.connection, Connection::Lost { .. }));
    update(
        &mut state,
        Action::Docker(DockerUpdate::Connected {
            api_version: "1.41".into(),
        }),
    );
    assert_eq!(
        state.connection,
        Connection::Connected {
            api_version: "1.41".into()
        }
    );

    update(
        &mut state,
        Action::Docker(DockerUpdate::Removed {
            id: "redis0000000000000000".into(),
        }),
    );
    assert!(!state.containers.contains_key("redis0000000000000000"));
}

#[test]
fn filters_and_commands() {
    let mut state = healthy_state();
    for action in [key('/'), key('r'), key('e'), code(KeyCode::Enter)] {
        update(&mut state, action);
    }
    assert_eq!(state.service_filter, "re");
    assert_eq!(
        stack_core::app::services::service_rows(&state).len(),
        2,
        "postgres and redis match"
    );

    let mut state = healthy_state();
    update(&mut state, key('3'));
    for action in [key('/'), key('('), code(KeyCode::Enter)] {
        update(&mut state, action);
    }
    assert!(state.log_view.filter.is_none());
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("invalid regex")),
        "{:?}",
        state.message
    );

    let mut state = healthy_state();
    let mut effects = Vec::new();
    for c in ":profile dev".chars() {
        effects.extend(update(&mut state, key(c)));
    }
    effects.extend(update(&mut state, code(KeyCode::Enter)));
    assert_eq!(state.project, "stack-dev");
    assert!(state.containers.is_empty());
    assert!(effects.contains(&Effect::Worker(WorkerCommand::Watch {
        project: "stack-dev".into()
    })));
    assert!(effects.contains(&Effect::LoadModel {
        profile: "dev".into()
    }));
}

#[test]
fn quit_and_help() {
    let mut state = healthy_state();
    update(&mut state, key('?'));
    assert_eq!(state.mode, Mode::Help);
    assert!(
        update(&mut state, key('q')).is_empty(),
        "q closes help instead of quitting"
    );
    assert!(update(&mut state, key('q')).contains(&Effect::Quit));
    let mut state = healthy_state();
    assert!(update(&mut state, Action::Run(Command::Quit)).contains(&Effect::Quit));
}

#[test]
fn movement_keys_scroll_the_help_and_other_keys_close_it() {
    let mut state = healthy_state();
    update(&mut state, key('?'));
    for (action, scroll) in [
        (key('j'), 1),
        (key('j'), 2),
        (code(KeyCode::PageDown), 12),
        (key('k'), 11),
        (code(KeyCode::PageUp), 1),
        (code(KeyCode::PageUp), 0),
    ] {
        update(&mut state, action.clone());
        assert_eq!(state.mode, Mode::Help, "after {action:?}");
        assert_eq!(state.help_scroll, scroll, "after {action:?}");
    }
    update(&mut state, key('j'));
    update(&mut state, key('x'));
    assert_eq!(state.mode, Mode::Normal, "another key closes the help");
    assert_eq!(state.help_scroll, 0, "the next help opens at the top");
}

#[test]
fn stats_follow_what_is_visible() {
    let mut state = healthy_state();
    let effects = update(
        &mut state,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let visible = effects.iter().find_map(|e| match e {
        Effect::Worker(WorkerCommand::Visible(ids)) => Some(ids.len()),
        _ => None,
    });
    assert_eq!(visible, Some(4), "all four services fit on screen");
    let effects = update(&mut state, key('4'));
    assert!(
        effects.contains(&Effect::Worker(WorkerCommand::Visible(Vec::new()))),
        "topology shows no stats"
    );
}

#[test]
fn audits_run_once_at_a_time_and_follow_the_profile() {
    let audits = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Audit { profile } if profile == "local"))
            .count()
    };
    let mut state = healthy_state();
    let mut effects = update(&mut state, key(':'));
    for c in "audit".chars() {
        effects.extend(update(&mut state, key(c)));
    }
    effects.extend(update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    ));
    assert_eq!(state.panel, Panel::Audit);
    assert_eq!(audits(&effects), 1, "`:audit` asks for one audit");
    assert_eq!(
        audits(&update(&mut state, key('r'))),
        0,
        "not a second one while it runs"
    );

    // A report for a profile no longer shown is dropped; the current one's is kept.
    let finish = |profile: &str| Action::Audited {
        profile: profile.into(),
        elapsed: Duration::from_millis(5),
        result: Ok(audit_report(profile)),
    };
    update(&mut state, finish("dev"));
    assert!(state.audit.report.is_none());
    update(&mut state, finish("local"));
    assert_eq!(state.audit.rows().len(), 4);
    assert_eq!(
        audits(&update(&mut state, key('r'))),
        1,
        "r audits again once it is done"
    );

    // Enter opens the selected finding's detail, Esc closes it before leaving the panel.
    update(&mut state, Action::Run(Command::Drill));
    assert!(state.audit.detail);
    update(&mut state, Action::Run(Command::Back));
    assert!(!state.audit.detail);
    assert_eq!(state.panel, Panel::Audit);

    // A failed audit is kept for the panel and logged.
    update(
        &mut state,
        Action::Audited {
            profile: "local".into(),
            elapsed: Duration::from_millis(5),
            result: Err("compose config failed".into()),
        },
    );
    assert_eq!(state.audit.error.as_deref(), Some("compose config failed"));
    assert!(
        state
            .activity
            .iter()
            .any(|e| e.text.contains("audit of local failed"))
    );
}
