//! The config file from disk: a valid file changes colours, buffer size and which key does what;
//! a broken one (bad TOML, unknown names, bad colours, out-of-range values) is reported with the
//! problem named and the defaults are used.

use crate::common::now;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use stack_core::app::profiles::ProfileEntry;
use stack_core::app::{Action, Effect, Panel, State, update};
use stack_core::config::keymap::{Command, Context};
use stack_core::config::theme::Theme;
use stack_core::config::{Config, DEFAULT_LOG_BUFFER_LINES, Loaded};
use stack_core::model::container::{Health, RunState};
use stack_core::protocol::docker::{LifecycleOp, WorkerCommand};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

fn load(name: &str) -> Loaded {
    Config::load(&fixture(name), false)
}

fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn char_key(c: char) -> KeyEvent {
    press(KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    press(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// The defaults, checked through what a user would notice.
fn assert_is_default(config: &Config, why: &str) {
    assert_eq!(config.log_buffer_lines, DEFAULT_LOG_BUFFER_LINES, "{why}");
    assert_eq!(config.unhealthy_probes, 3, "{why}");
    assert_eq!(config.theme, Theme::default(), "{why}");
    let keys = &config.keymap;
    assert_eq!(
        keys.lookup(Context::Services, &char_key('q')),
        Some(Command::Quit),
        "{why}"
    );
    assert_eq!(
        keys.lookup(Context::Services, &char_key('r')),
        Some(Command::Restart),
        "{why}"
    );
}

/// A dashboard state built from `config`, with one running service selected.
fn state_with(config: &Config) -> State {
    let profiles = vec![ProfileEntry::new("local", "stack-local")];
    let mut state = State::new(profiles, "local", config, now());
    let redis = crate::common::container("redis", RunState::Running, Health::Healthy);
    state.containers.insert(redis.id.clone(), redis);
    state
}

fn asks_restart(effects: &[Effect]) -> bool {
    effects.iter().any(|effect| {
        matches!(
            effect,
            Effect::Worker(WorkerCommand::Lifecycle {
                op: LifecycleOp::Restart,
                ..
            })
        )
    })
}

#[test]
fn a_valid_file_overrides_buffer_theme_and_keys_without_warnings() {
    let loaded = load("valid.toml");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let config = loaded.config;
    assert_eq!(config.log_buffer_lines, 20_000);
    assert_eq!(config.unhealthy_probes, 5);
    assert_eq!(config.theme.healthy, Color::LightGreen);
    assert_eq!(config.theme.unhealthy, Color::Rgb(0xff, 0x55, 0x55));
    assert_eq!(
        config.theme.services,
        vec![Color::Cyan, Color::Magenta, Color::Rgb(0, 0xff, 0)]
    );
    // Fields the file leaves out keep their defaults.
    assert_eq!(config.theme.starting, Theme::default().starting);
    assert!(config.theme.color);

    let keys = &config.keymap;
    let cases = [
        // Naming `quit` replaced both default keys.
        (Context::Services, ctrl('q'), Some(Command::Quit)),
        (Context::Services, char_key('q'), None),
        (Context::Services, ctrl('c'), None),
        // A list may keep the default key and add one.
        (Context::Logs, char_key('?'), Some(Command::Help)),
        (
            Context::Logs,
            press(KeyCode::F(1), KeyModifiers::NONE),
            Some(Command::Help),
        ),
        // A panel table override applies to that panel only.
        (Context::Services, ctrl('r'), Some(Command::Restart)),
        (Context::Services, char_key('r'), None),
        (Context::Health, char_key('r'), Some(Command::Restart)),
        // Commands the file does not name keep their keys.
        (Context::Services, char_key('j'), Some(Command::Down)),
        (Context::Logs, char_key('f'), Some(Command::ToggleFollow)),
    ];
    for (context, key, expected) in cases {
        assert_eq!(keys.lookup(context, &key), expected, "{context:?} {key:?}");
    }
    assert_eq!(
        keys.keys_for(Context::Services, Command::Restart),
        ["ctrl-r"],
        "the help screen shows the new key"
    );
}

#[test]
fn an_overridden_keymap_changes_what_the_dashboard_does() {
    let custom = load("valid.toml").config;
    let defaults = Config::default();

    // Default keys: `r` restarts the selected service, `q` quits.
    let mut state = state_with(&defaults);
    assert!(asks_restart(&update(
        &mut state,
        Action::Key(char_key('r'))
    )));
    update(&mut state, Action::Key(char_key('q')));
    assert!(state.quit, "q quits by default");

    // Overridden: `r` and `q` do nothing, `ctrl-r` restarts and `ctrl-q` quits.
    let mut state = state_with(&custom);
    assert!(!asks_restart(&update(
        &mut state,
        Action::Key(char_key('r'))
    )));
    update(&mut state, Action::Key(char_key('q')));
    assert!(!state.quit, "q no longer quits");
    assert_eq!(state.panel, Panel::Services);
    assert!(asks_restart(&update(&mut state, Action::Key(ctrl('r')))));
    update(&mut state, Action::Key(ctrl('q')));
    assert!(state.quit, "ctrl-q quits");
}

#[test]
fn broken_files_are_reported_by_name_and_the_defaults_are_used() {
    // (fixture, words the warning must contain so the user can find the problem)
    let cases: &[(&str, &[&str])] = &[
        ("broken_toml.toml", &["line 2"]),
        ("unknown_top_level.toml", &["log_buffer_size"]),
        ("unknown_theme_field.toml", &["warning"]),
        ("unknown_command.toml", &["explode"]),
        ("unknown_context.toml", &["sidebar"]),
        ("unknown_key.toml", &["ctrl-banana"]),
        ("bad_colour.toml", &["theme.unhealthy", "blood-orange"]),
        ("bad_service_colour.toml", &["theme.services", "#12345"]),
        (
            "buffer_out_of_range.toml",
            &["log_buffer_lines", "out of range"],
        ),
        ("wrong_type.toml", &["log_buffer_lines"]),
        (
            "probes_out_of_range.toml",
            &["unhealthy_probes", "out of range"],
        ),
    ];
    for (name, words) in cases {
        let loaded = load(name);
        assert_eq!(loaded.warnings.len(), 1, "{name}: {:?}", loaded.warnings);
        let warning = &loaded.warnings[0];
        assert!(
            warning.contains(&fixture(name).display().to_string()),
            "{name}: the warning names the file: {warning}"
        );
        assert!(warning.contains("using defaults"), "{name}: {warning}");
        for word in *words {
            assert!(
                warning.contains(word),
                "{name}: {word:?} missing in {warning}"
            );
        }
        // A file that is only partly wrong is ignored as a whole: its valid parts do not apply.
        assert_is_default(&loaded.config, name);
    }
}

#[test]
fn a_missing_file_is_normal_and_an_unreadable_one_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = Config::load(&dir.path().join("config.toml"), false);
    assert!(missing.warnings.is_empty(), "{:?}", missing.warnings);
    assert_is_default(&missing.config, "missing file");

    // A directory where the file should be cannot be read.
    let unreadable = Config::load(dir.path(), false);
    assert_eq!(unreadable.warnings.len(), 1);
    assert!(
        unreadable.warnings[0].contains("unreadable"),
        "{:?}",
        unreadable.warnings
    );
    assert_is_default(&unreadable.config, "unreadable file");
}

#[test]
fn no_color_wins_over_the_theme_in_the_file() {
    let loaded = Config::load(&fixture("valid.toml"), true);
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.config.theme, Theme::monochrome());
    assert!(!loaded.config.theme.color);
    // Everything else in the file still applies.
    assert_eq!(loaded.config.log_buffer_lines, 20_000);
    let broken = Config::load(&fixture("bad_colour.toml"), true);
    assert_eq!(broken.config.theme, Theme::monochrome());
    assert_eq!(broken.warnings.len(), 1);
}

#[test]
fn the_buffer_size_from_the_file_bounds_the_log_store() {
    let config = load("valid.toml").config;
    let state = state_with(&config);
    assert_eq!(state.logs.capacity(), 20_000);
}

#[test]
fn key_names_cover_letters_modifiers_and_special_keys() {
    use stack_core::config::keymap::KeyChord;
    let cases = [
        ("q", char_key('q')),
        ("G", press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        ("shift-g", press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        ("ctrl-c", ctrl('c')),
        (
            "Ctrl-Alt-x",
            press(
                KeyCode::Char('x'),
                KeyModifiers::CONTROL | KeyModifiers::ALT,
            ),
        ),
        ("shift-tab", press(KeyCode::BackTab, KeyModifiers::SHIFT)),
        ("enter", press(KeyCode::Enter, KeyModifiers::NONE)),
        ("pgdn", press(KeyCode::PageDown, KeyModifiers::NONE)),
        ("space", char_key(' ')),
        ("f5", press(KeyCode::F(5), KeyModifiers::NONE)),
        ("-", char_key('-')),
    ];
    for (text, event) in cases {
        let parsed = KeyChord::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(parsed, KeyChord::from_event(&event), "{text}");
    }
    for bad in ["", "ctrl-", "f13", "f0", "banana", "ctrl-banana"] {
        let err = KeyChord::parse(bad).expect_err(bad);
        assert!(err.contains("unknown key"), "{bad}: {err}");
    }
}

/// tui/README.md lists the command names the config file takes: every name it lists is one
/// (the file loads without a warning), and the log viewer's commands are among them.
#[test]
fn the_readme_lists_command_names_the_config_file_takes() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("tui/README.md");
    let start = readme
        .find("\nCommands: quit")
        .expect("the list of commands")
        + 1;
    let list = &readme[start..start + readme[start..].find('.').expect("the list's end")];
    let names: Vec<&str> = list
        .trim_start_matches("Commands:")
        .split(',')
        .map(str::trim)
        .collect();
    for wanted in [
        "copy",
        "clear-logs",
        "toggle-wrap",
        "toggle-time-zone",
        "next-match",
        "prev-match",
        "next-problem",
        "prev-problem",
        "cycle-level",
        "toggle-matches-only",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
    let toml: String = std::iter::once("[keys.logs]".to_string())
        .chain(names.iter().map(|name| format!("{name} = []")))
        .collect::<Vec<_>>()
        .join("\n");
    Config::from_toml(&toml).unwrap_or_else(|err| panic!("{err}\n{toml}"));
}
