use super::*;
use crate::app::{Action, update};
use crate::config::Config;
use crate::logs::{LogFilter, Stream};
use chrono::{DateTime, Utc};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// The Logs panel on a 80×24 screen (18 rows of lines) with `lines` as (service, text), one
/// second apart ending a minute before `now`.
fn logs(lines: &[(&str, &str)]) -> State {
    let mut state = State::new(Vec::new(), "local", &Config::default(), now());
    state.panel = Panel::Logs;
    let count = lines.len() as i64;
    for (n, (service, text)) in lines.iter().enumerate() {
        let at = now() - chrono::Duration::seconds(60 + count - n as i64);
        let raw = format!("{} {text}", at.format("%Y-%m-%dT%H:%M:%S%.9fZ"));
        state.logs.push(LogLine::from_engine(
            (*service).into(),
            format!("stack-local-{service}-1").into(),
            &raw,
            Stream::Stdout,
        ));
    }
    state
}

fn numbered(count: usize) -> State {
    let texts: Vec<String> = (0..count).map(|n| format!("line {n}")).collect();
    let lines: Vec<(&str, &str)> = texts.iter().map(|t| ("app", t.as_str())).collect();
    logs(&lines)
}

fn selected_text(state: &State) -> String {
    selected(state)
        .map(|(_, line)| line.text.clone())
        .unwrap_or_default()
}

fn run(state: &mut State, command: Command) -> Vec<Effect> {
    update(state, Action::Run(command))
}

#[test]
fn following_selects_the_newest_and_moving_up_pauses_on_the_line_above() {
    let mut state = numbered(50);
    assert!(state.log_view.follow);
    assert_eq!(selected_text(&state), "line 49");
    run(&mut state, Command::Up);
    assert!(!state.log_view.follow);
    assert_eq!(selected_text(&state), "line 48");
    // New lines do not move a paused selection.
    state.logs.push(LogLine::from_engine(
        "app".into(),
        "stack-local-app-1".into(),
        "line 50",
        Stream::Stdout,
    ));
    assert_eq!(selected_text(&state), "line 48");
    run(&mut state, Command::Down);
    run(&mut state, Command::Down);
    assert_eq!(selected_text(&state), "line 50");
    assert!(
        !state.log_view.follow,
        "reaching the newest line keeps it paused"
    );
    run(&mut state, Command::Down);
    assert!(state.log_view.follow, "pushing past it follows again");
}

#[test]
fn the_cursor_stays_on_screen_and_top_bottom_and_pages_move_it() {
    let mut state = numbered(100);
    let height = layout::columns(&state, layout::area(&state)).height as u64;
    assert_eq!(height, 19, "80×24 leaves 19 rows of lines");
    run(&mut state, Command::Top);
    assert_eq!(selected_text(&state), "line 0");
    // The cursor is the top line: the bottom line is `height - 1` further.
    assert_eq!(state.log_view.anchor, state.log_view.cursor + height - 1);
    run(&mut state, Command::PageDown);
    assert_eq!(selected_text(&state), "line 18", "a page keeps one line");
    assert_eq!(state.log_view.anchor, 18, "still on the first page");
    run(&mut state, Command::Down);
    assert_eq!(selected_text(&state), "line 19");
    assert_eq!(state.log_view.anchor, 19, "the view scrolled one line");
    for _ in 0..5 {
        run(&mut state, Command::Up);
    }
    assert_eq!(selected_text(&state), "line 14");
    assert_eq!(
        state.log_view.anchor, 19,
        "moving inside the view does not scroll"
    );
    run(&mut state, Command::PageUp);
    assert_eq!(selected_text(&state), "line 0");
    assert_eq!(
        state.log_view.anchor, 18,
        "scrolled so the cursor is the top line"
    );
    run(&mut state, Command::Bottom);
    assert!(state.log_view.follow);
    assert_eq!(selected_text(&state), "line 99");
}

#[test]
fn wrapped_lines_count_their_rows_when_keeping_the_cursor_visible() {
    let long = "x".repeat(300);
    let mut lines = vec![("app", long.as_str()); 10];
    lines.push(("app", "last"));
    let mut state = logs(&lines);
    state.log_view.wrap = true;
    run(&mut state, Command::Top);
    let columns = layout::columns(&state, layout::area(&state));
    let first = state.logs.iter().next().expect("a line");
    let rows = row_count(&state, &columns, first);
    assert!(rows > 1, "{rows} rows for 300 columns");
    let fit = (columns.height / rows) as u64;
    assert_eq!(
        state.log_view.anchor,
        state.log_view.cursor + fit - 1,
        "as many wrapped lines below the cursor as fit"
    );
}

#[test]
fn n_and_e_jump_between_matches_and_problems() {
    let mut state = logs(&[
        ("app", "INFO GET /api/items 200"),
        ("app", "WARN slow query"),
        ("nginx", "GET /health 200"),
        ("app", "INFO GET /api/items 200"),
        ("app", "ERROR postgres unavailable"),
        ("app", "INFO done"),
    ]);
    run(&mut state, Command::NextMatch);
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("/ sets one")),
        "{:?}",
        state.message
    );
    state.log_view.filter = Some(LogFilter::new("api").expect("regex"));
    state.log_view.matches_only = false;
    run(&mut state, Command::PrevMatch);
    assert_eq!(selected_text(&state), "INFO GET /api/items 200");
    assert_eq!(state.log_view.cursor, 3);
    run(&mut state, Command::PrevMatch);
    assert_eq!(state.log_view.cursor, 0);
    run(&mut state, Command::PrevMatch);
    assert_eq!(state.log_view.cursor, 0);
    assert_eq!(state.message.as_deref(), Some("no earlier match for /api/"));
    run(&mut state, Command::NextMatch);
    assert_eq!(state.log_view.cursor, 3);
    run(&mut state, Command::NextProblem);
    assert_eq!(selected_text(&state), "ERROR postgres unavailable");
    run(&mut state, Command::PrevProblem);
    assert_eq!(selected_text(&state), "WARN slow query");
    run(&mut state, Command::PrevProblem);
    assert_eq!(
        state.message.as_deref(),
        Some("no earlier error or warning")
    );
    // While following, the search back starts at the newest line itself.
    let mut state = logs(&[("app", "INFO a"), ("app", "ERROR b")]);
    run(&mut state, Command::PrevProblem);
    assert_eq!(selected_text(&state), "ERROR b");
}

#[test]
fn level_time_and_inverse_filters_hide_lines() {
    let mut state = logs(&[
        ("app", "DEBUG cache miss"),
        ("nginx", "GET /health 200"),
        ("app", "WARN slow query"),
        ("app", "ERROR postgres unavailable"),
    ]);
    let shown = |state: &State| -> Vec<String> {
        let mut texts: Vec<String> = crate::app::views::logs::selected_lines(state, 100)
            .into_iter()
            .map(|(_, line)| line.text.clone())
            .collect();
        texts.reverse();
        texts
    };
    assert_eq!(shown(&state).len(), 4);
    run(&mut state, Command::CycleLevel);
    assert_eq!(state.log_view.min_level, Some(Level::Debug));
    run(&mut state, Command::CycleLevel);
    assert_eq!(
        shown(&state).len(),
        3,
        "debug hidden, the access line counts as info"
    );
    run(&mut state, Command::CycleLevel);
    assert_eq!(
        shown(&state),
        ["WARN slow query", "ERROR postgres unavailable"]
    );
    assert_eq!(state.message.as_deref(), Some("showing warn and above"));
    super::level_command(&mut state, &["all"]);
    assert_eq!(state.log_view.min_level, None);
    super::level_command(&mut state, &["loud"]);
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("unknown level"))
    );

    // The lines are 61 to 64 s old.
    super::since_command(&mut state, "62s");
    assert_eq!(
        shown(&state),
        ["WARN slow query", "ERROR postgres unavailable"]
    );
    super::since_command(&mut state, "off");
    assert_eq!(shown(&state).len(), 4);
    super::since_command(&mut state, "soon");
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("expected a duration"))
    );

    crate::app::input::apply_filter(&mut state, "!health");
    assert_eq!(shown(&state).len(), 3);
    assert!(!shown(&state).iter().any(|t| t.contains("health")));
    run(&mut state, Command::ToggleMatchesOnly);
    assert_eq!(shown(&state).len(), 4, "matches only marked");

    // Esc clears every filter.
    run(&mut state, Command::ToggleMatchesOnly);
    run(&mut state, Command::CycleLevel);
    run(&mut state, Command::Back);
    assert!(state.log_view.filter.is_none() && state.log_view.min_level.is_none());
    assert_eq!(shown(&state).len(), 4);
}

#[test]
fn enter_opens_the_request_of_an_access_line_and_c_copies_it() {
    let id = "7f3c2a9e4b1d6f80a2c4e6b8d0f1a3c5";
    let app = format!(
        r#"{{"method":"GET","path":"/api/visits","status":502,"duration_ms":3.25,"request_id":"{id}"}}"#
    );
    let nginx = format!(
        r#"{{"request_id":"{id}","status":502,"request_time":0.012,"upstream_response_time":"0.004"}}"#
    );
    let mut state = logs(&[
        ("app", &app),
        ("app", "INFO unrelated"),
        ("nginx", &nginx),
        ("redis", "Ready to accept connections"),
    ]);
    run(&mut state, Command::Drill);
    assert!(state.log_view.request.is_none());
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("no request id")),
        "{:?}",
        state.message
    );
    run(&mut state, Command::Up);
    assert_eq!(selected_text(&state), nginx);
    run(&mut state, Command::Drill);
    assert_eq!(
        state.log_view.request,
        Some(RequestView {
            id: id.into(),
            scroll: 0
        })
    );
    let effects = run(&mut state, Command::Copy);
    let [Effect::Copy { text }] = effects.as_slice() else {
        panic!("one copy: {effects:?}");
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].contains(id) && lines[0].contains("request_time 0.012 s"),
        "{text}"
    );
    assert!(lines[0].contains("duration_ms 3.25 ms"), "{text}");
    assert!(
        lines[1].contains("stack-local-app-1 | ") && lines[2].contains("nginx"),
        "{text}"
    );
    assert_eq!(
        state.message.as_deref(),
        Some("copied request (2 lines) to the clipboard")
    );
    run(&mut state, Command::Back);
    assert!(
        state.log_view.request.is_none(),
        "esc closes the request view"
    );
    assert_eq!(state.panel, Panel::Logs);

    // Without a request view, `c` copies the selected line without its colours.
    let mut state = logs(&[("app", "\x1b[32mINFO\x1b[0m ready")]);
    let effects = run(&mut state, Command::Copy);
    let [Effect::Copy { text }] = effects.as_slice() else {
        panic!("one copy: {effects:?}");
    };
    assert!(text.ends_with("stack-local-app-1 | INFO ready"), "{text}");
}

#[test]
fn the_default_keys_follow_k9s_and_clear_moved_to_capital_c() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let keymap = crate::config::keymap::Keymap::default();
    let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let cases = [
        ('c', Command::Copy),
        ('C', Command::ClearLogs),
        ('w', Command::ToggleWrap),
        ('n', Command::NextMatch),
        ('N', Command::PrevMatch),
        ('e', Command::NextProblem),
        ('L', Command::CycleLevel),
    ];
    for (c, command) in cases {
        assert_eq!(
            keymap.lookup(crate::config::keymap::Context::Logs, &key(c)),
            Some(command),
            "{c}"
        );
    }
    let save = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(
        keymap.lookup(crate::config::keymap::Context::Logs, &save),
        Some(Command::SaveLogs)
    );
}

#[test]
fn wrapping_a_paused_view_keeps_the_selected_line_on_screen() {
    let long = "y".repeat(400);
    let mut lines = vec![("app", "first")];
    lines.extend(std::iter::repeat_n(("app", long.as_str()), 30));
    let mut state = logs(&lines);
    run(&mut state, Command::Top);
    assert_eq!(selected_text(&state), "first");
    run(&mut state, Command::ToggleWrap);
    let columns = layout::columns(&state, layout::area(&state));
    let mut used = 0;
    let mut on_screen = false;
    for (index, line) in shown_up_from(&state, state.log_view.anchor) {
        used += row_count(&state, &columns, line);
        if used > columns.height {
            break;
        }
        on_screen |= index == state.log_view.cursor;
    }
    assert!(on_screen, "the selected line is within the rows drawn");
    assert_eq!(selected_text(&state), "first");
}
