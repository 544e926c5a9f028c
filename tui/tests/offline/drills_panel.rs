//! The Drills panel: a drill starts only after a `y`, one at a time; its progress reaches
//! Activity; `x` stops it once; the verdict is kept per drill and drawn.

use crate::common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use stack_core::app::drills::DrillOutcome;
use stack_core::app::{Action, Effect, Mode, Panel, State, update};
use std::time::Duration;

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("test terminal");
    terminal
        .draw(|frame| stack_tui::ui::draw(frame, state))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_drill_runs_only_after_a_yes_and_one_at_a_time() {
    let mut state = healthy_state();
    press(&mut state, KeyCode::Char('8'));
    assert_eq!(state.panel, Panel::Drills);
    let effects = press(&mut state, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing runs before the y: {effects:?}");
    let Mode::Confirm(confirm) = &state.mode else {
        panic!("Enter asks first, got {:?}", state.mode);
    };
    assert!(
        confirm.prompt.contains("redis-pause") && confirm.prompt.contains("docker pause redis"),
        "{}",
        confirm.prompt
    );
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        vec![Effect::Drill {
            profile: "local".into(),
            name: "redis-pause".into()
        }]
    );

    update(
        &mut state,
        Action::DrillStarted {
            profile: "local".into(),
            name: "redis-pause".into(),
        },
    );
    let effects = press(&mut state, KeyCode::Enter);
    assert!(effects.is_empty() && state.mode == Mode::Normal);
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("redis-pause is running")),
        "{:?}",
        state.message
    );

    update(
        &mut state,
        Action::DrillProgress {
            name: "redis-pause".into(),
            line: "redis-pause: paused stack-local-redis-1 for 5 s".into(),
        },
    );
    assert!(
        state
            .activity
            .iter()
            .any(|e| e.text == "drill redis-pause: paused stack-local-redis-1 for 5 s")
    );
    assert!(screen(&state).contains("paused stack-local-redis-1 for 5 s"));

    assert_eq!(
        press(&mut state, KeyCode::Char('x')),
        vec![Effect::StopDrill]
    );
    assert!(
        press(&mut state, KeyCode::Char('x')).is_empty(),
        "a second x does not signal again"
    );

    update(
        &mut state,
        Action::DrillFinished {
            name: "redis-pause".into(),
            elapsed: Duration::from_secs(12),
            result: Ok(DrillOutcome {
                passed: false,
                summary: "interrupted (the fault was healed)".into(),
            }),
        },
    );
    assert!(state.drills.running.is_none());
    let result = &state.drills.results["redis-pause"];
    assert!(!result.passed);
    let drawn = screen(&state);
    assert!(drawn.contains("FAIL at"), "{drawn}");
    assert!(
        drawn.contains("interrupted (the fault was healed)"),
        "{drawn}"
    );
}

#[test]
fn the_panel_lists_only_the_profiles_drills() {
    let mut state = healthy_state();
    press(&mut state, KeyCode::Char('8'));
    // The list scrolls with the selection: walk to its end, keeping every screen.
    let mut local = screen(&state);
    for _ in 0..stack_core::drill::DRILLS.len() {
        press(&mut state, KeyCode::Down);
        local.push_str(&screen(&state));
    }
    assert!(local.contains("postgres-kill-durability"), "{local}");
    assert!(
        !local.contains("app-replica-kill"),
        "needs a second replica: {local}"
    );
}

#[test]
fn read_only_dashboards_run_no_drill() {
    let mut state = healthy_state();
    state.readonly = true;
    press(&mut state, KeyCode::Char('8'));
    let effects = press(&mut state, KeyCode::Enter);
    assert!(effects.is_empty() && state.mode == Mode::Normal);
}

#[test]
fn a_drill_that_could_not_run_says_why() {
    let mut state = healthy_state();
    update(
        &mut state,
        Action::DrillFinished {
            name: "redis-kill".into(),
            elapsed: Duration::from_millis(300),
            result: Err("cannot start `stack-tui drill run`".into()),
        },
    );
    let result = &state.drills.results["redis-kill"];
    assert!(!result.passed && result.summary.contains("cannot start"));
    assert!(
        state
            .activity
            .iter()
            .any(|e| e.text.contains("redis-kill on local: FAIL: cannot start"))
    );
}
