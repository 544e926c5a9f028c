//! The log viewer drawn from the state after real key presses: the request view, wrapped lines,
//! a container's own colours, the level filter and the selected line; snapshots at 80×24 and
//! 160×48 plus colour asserts (snapshots don't capture colour).

use crate::common::*;
use crate::ui_snapshots::{render, text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use stack_core::app::{Action, Panel, State, update};
use stack_core::config::keymap::{Command, Context, Keymap};
use stack_core::logs::{LogLine, Stream};
use std::collections::HashMap;

const ID: &str = "7f3c2a9e4b1d6f80a2c4e6b8d0f1a3c5";

fn press(state: &mut State, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

/// The Logs panel of the healthy stack with `lines` as (service, text), 10 ms apart.
fn logs(lines: &[(&str, &str)]) -> State {
    let mut state = healthy_state();
    state.panel = Panel::Logs;
    for (n, (service, text)) in lines.iter().enumerate() {
        let raw = format!("2024-05-01T11:59:58.{:03}000000Z {text}", n * 10);
        state.logs.push(LogLine::from_engine(
            (*service).into(),
            format!("stack-local-{service}-1").into(),
            &raw,
            Stream::Stdout,
        ));
    }
    state
}

/// nginx's JSON access line (proxy-config/conf.d/10-logging.conf) for a 502 after two upstreams.
fn nginx_access(id: &str) -> String {
    format!(
        r#"{{"time":"2024-05-01T11:59:58+00:00","remote_addr":"172.20.0.1","request_id":"{id}","method":"GET","uri":"/api/visits","protocol":"HTTP/1.1","status":502,"bytes_sent":157,"request_time":0.012,"upstream_addr":"172.20.0.3:8080","upstream_status":"502","upstream_response_time":"0.010","host":"localhost","user_agent":"curl/8.5.0","referer":""}}"#
    )
}

/// edge-host's JSON access line (edge-host/src/serve/access_log.rs).
fn app_access(id: &str) -> String {
    format!(
        r#"{{"ts":"2024-05-01T11:59:58.004Z","method":"GET","path":"/api/visits","route":"/api/visits","component":"edge-app","status":502,"duration_ms":9.5,"client":"172.20.0.2","generation":1,"request_id":"{id}"}}"#
    )
}

fn traffic() -> State {
    let other = "00000000000000000000000000000000";
    let app = app_access(ID);
    let app_other = app_access(other);
    let nginx = nginx_access(ID);
    let nginx_other = nginx_access(other);
    logs(&[
        ("app", &app_other),
        ("app", &app),
        ("app", "ERROR postgres unavailable: connection refused"),
        ("nginx", &nginx_other),
        ("nginx", &nginx),
        (
            "redis",
            "1:M 01 May 11:59:58.000 * Background saving terminated with success",
        ),
    ])
}

/// `k` selects nginx's access line of the request, `Enter` opens the request view.
fn request_view() -> State {
    let mut state = traffic();
    press(&mut state, "k\n");
    state
}

fn wrapped() -> State {
    let nginx = nginx_access(ID);
    let mut state = logs(&[
        ("nginx", &nginx),
        (
            "app",
            "error[E0308]: mismatched types: expected `Result<Response, Error>`, found `Response` in src/lib.rs:42:5 (the handler must return a Result)",
        ),
        ("redis", "Ready to accept connections"),
    ]);
    press(&mut state, "w");
    state
}

fn ansi() -> State {
    logs(&[
        (
            "app",
            "\x1b[2m2024-05-01T11:59:58Z\x1b[0m \x1b[32m INFO\x1b[0m edge_host: listening on \x1b[1m0.0.0.0:8080\x1b[0m",
        ),
        ("app", "\x1b[31mERROR\x1b[0m request failed"),
    ])
}

/// `L` three times: warnings and errors only.
fn level_filter() -> State {
    let mut state = logs(&[
        ("app", "DEBUG cache miss for /api/items"),
        ("nginx", "GET /health 200"),
        ("app", "WARN slow query: 1200 ms"),
        ("app", "INFO served GET /api/items"),
        ("app", "ERROR postgres unavailable"),
    ]);
    press(&mut state, "LLL");
    state
}

fn states() -> Vec<(&'static str, State)> {
    vec![
        ("logs_request_view", request_view()),
        ("logs_wrapped", wrapped()),
        ("logs_ansi", ansi()),
        ("logs_level_filter", level_filter()),
    ]
}

#[test]
fn log_viewer_states_render_as_expected() {
    for (name, state) in states() {
        for (width, height) in [(80, 24), (160, 48)] {
            let screen = text(&render(&state, width, height));
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
        }
    }
}

#[test]
fn tiny_areas_do_not_panic() {
    for (_, state) in states() {
        for (width, height) in [(0, 0), (1, 1), (2, 1), (10, 3), (80, 2)] {
            let _ = render(&state, width, height);
        }
    }
}

/// The cell where `needle` first appears.
fn cell<'a>(buffer: &'a Buffer, needle: &str) -> &'a ratatui::buffer::Cell {
    let screen = text(buffer);
    for (y, line) in screen.lines().enumerate() {
        if let Some(column) = line.find(needle) {
            let x = line[..column].chars().count() as u16;
            return &buffer[(x, y as u16)];
        }
    }
    panic!("{needle:?} not on screen:\n{screen}");
}

#[test]
fn the_request_view_shows_both_services_lines_and_the_timings() {
    let state = request_view();
    let screen = text(&render(&state, 160, 48));
    assert!(
        screen.contains(&format!("Request {ID} · 2 lines")),
        "{screen}"
    );
    assert!(
        screen.contains(
            "nginx request_time 0.012 s · upstream_response_time 0.01 s · app duration_ms 9.5 ms"
        ),
        "{screen}"
    );
    let lines: Vec<&str> = screen.lines().filter(|l| l.contains("{\"")).collect();
    assert_eq!(lines.len(), 2, "the app's and nginx's lines:\n{screen}");
    assert!(
        lines[0].starts_with("│app "),
        "the app answered first:\n{screen}"
    );
    assert!(lines[0].contains("\"duration_ms\":9.5"), "{screen}");
    assert!(
        lines[1].contains(&format!("\"request_id\":\"{ID}\"")),
        "{screen}"
    );
    assert!(!screen.contains("postgres unavailable"), "{screen}");
    assert!(
        screen.contains("esc close"),
        "the footer says how to leave: {screen}"
    );
    let mut closed = state;
    update(&mut closed, Action::Run(Command::Back));
    let screen = text(&render(&closed, 160, 48));
    assert!(screen.contains("postgres unavailable"), "{screen}");
}

#[test]
fn wrapped_lines_are_shown_in_full() {
    let state = wrapped();
    let screen = text(&render(&state, 80, 24));
    let flat: String = screen
        .lines()
        .map(|line| line.trim_start_matches('│').trim_end_matches('│').trim())
        .collect::<Vec<_>>()
        .join("");
    assert!(
        flat.contains(r#""referer":""}"#),
        "the line's end is on screen:\n{screen}"
    );
    assert!(
        flat.contains("(the handler must return a Result)"),
        "{screen}"
    );
    assert!(screen.contains("· wrap ·"), "{screen}");
}

#[test]
fn a_containers_colours_are_drawn_and_its_escape_codes_are_not() {
    let state = ansi();
    let buffer = render(&state, 120, 24);
    let screen = text(&buffer);
    assert!(
        !screen.contains("[32m") && !screen.contains("[0m"),
        "{screen}"
    );
    assert_eq!(cell(&buffer, "INFO").fg, Color::Green);
    assert!(
        cell(&buffer, "0.0.0.0:8080")
            .modifier
            .contains(Modifier::BOLD)
    );
    assert_eq!(cell(&buffer, "ERROR").fg, Color::Red);
    // After the reset the line's level colour (error: red) is back, not the terminal's default.
    assert_eq!(cell(&buffer, "request failed").fg, Color::Red);
    let mut plain = ansi();
    plain.theme.color = false;
    let buffer = render(&plain, 120, 24);
    assert_eq!(
        cell(&buffer, "INFO").fg,
        Color::Reset,
        "NO_COLOR drops them"
    );
}

#[test]
fn the_selected_line_is_reversed_and_moves_with_the_keys() {
    let mut state = level_filter();
    let buffer = render(&state, 120, 24);
    assert!(
        cell(&buffer, "ERROR postgres")
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert!(
        !cell(&buffer, "WARN slow")
            .modifier
            .contains(Modifier::REVERSED)
    );
    press(&mut state, "k");
    let buffer = render(&state, 120, 24);
    assert!(
        cell(&buffer, "WARN slow")
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert!(
        !cell(&buffer, "ERROR postgres")
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert!(
        text(&buffer).contains("≥warn · paused"),
        "{}",
        text(&buffer)
    );
}

#[test]
fn help_and_footer_show_a_rebound_log_key() {
    let mut state = logs(&[("app", "INFO ready")]);
    let overrides = HashMap::from([(
        Context::Logs,
        HashMap::from([
            (Command::Copy, vec!["y".to_string()]),
            (Command::ToggleWrap, vec!["ctrl-w".to_string()]),
        ]),
    )]);
    state.keymap = Keymap::default().with(&overrides).expect("valid keys");
    let footer = text(&render(&state, 160, 24));
    assert!(
        footer.contains("y copy  enter request  ctrl-w wrap"),
        "{footer}"
    );
    press(&mut state, "?");
    let help = text(&render(&state, 160, 48));
    assert!(help.contains("y copy line or request (OSC 52)"), "{help}");
    assert!(help.contains("ctrl-w wrap"), "{help}");
    assert!(help.contains("C clear"), "{help}");
}
