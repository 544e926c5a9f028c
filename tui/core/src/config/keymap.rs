//! Keys become commands through data: a table per context, overridable from the config file.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::HashMap;

/// Where a key is pressed; panel tables are consulted before the global one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    Global,
    Services,
    Health,
    Logs,
    Topology,
    Profiles,
    Activity,
    Audit,
    Drills,
    Metrics,
}

/// Everything a key can ask for. Names (kebab-case) are what the config file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Command {
    Quit,
    Help,
    NextPanel,
    PrevPanel,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Filter,
    CommandLine,
    Drill,
    Back,
    Start,
    Stop,
    Restart,
    Recreate,
    Shell,
    Logs,
    Sort,
    ToggleFollow,
    ToggleJson,
    ToggleTimestamps,
    SaveLogs,
    ClearLogs,
    /// The selected log line, or the open request view, to the clipboard (OSC 52).
    Copy,
    ToggleWrap,
    /// Timestamps in local time or UTC.
    ToggleTimeZone,
    /// Next/previous line matching the log filter.
    NextMatch,
    PrevMatch,
    /// Next/previous error or warning line.
    NextProblem,
    PrevProblem,
    /// Minimum log level: all → debug → info → warn → error.
    CycleLevel,
    /// The log filter hides other lines, or only marks its matches.
    ToggleMatchesOnly,
    ProfileUp,
    ProfileDown,
    ShowServices,
    ShowHealth,
    ShowLogs,
    ShowTopology,
    ShowProfiles,
    ShowActivity,
    ShowAudit,
    ShowDrills,
    ShowMetrics,
    /// The Metrics panel's window: 1, 5, 15 minutes.
    CycleWindow,
    /// Stop the running drill (it heals first).
    StopDrill,
    ResumeReloads,
    Refresh,
    /// Topology: the picture or the list.
    ToggleView,
}

impl Command {
    /// Whether the command changes containers (refused under `--readonly`).
    pub fn changes_containers(self) -> bool {
        matches!(
            self,
            Command::Start
                | Command::Stop
                | Command::Restart
                | Command::Recreate
                | Command::Shell
                | Command::ProfileUp
                | Command::ProfileDown
                | Command::ResumeReloads
                | Command::StopDrill
        )
    }
}

/// A key plus modifiers, written in config as `q`, `G`, `ctrl-c`, `shift-tab`, `enter`, `pgdn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    code: KeyCode,
    modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, flag) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            modifiers |= flag;
            rest = &rest[prefix.len()..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            lower => match function_key(lower) {
                Some(number) => KeyCode::F(number),
                None => {
                    let mut chars = rest.chars();
                    match (chars.next(), chars.next()) {
                        // Terminals report shift+letter as the capital letter.
                        (Some(c), None) if modifiers.contains(KeyModifiers::SHIFT) => {
                            KeyCode::Char(c.to_ascii_uppercase())
                        }
                        (Some(c), None) => KeyCode::Char(c),
                        _ => return Err(format!("unknown key {text:?}")),
                    }
                }
            },
        };
        Ok(Self::new(code, modifiers))
    }

    /// Shift is part of the character itself (`G`), so it is dropped for characters and back-tab.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        let modifiers = match code {
            KeyCode::Char(_) | KeyCode::BackTab => modifiers - KeyModifiers::SHIFT,
            _ => modifiers,
        };
        Self {
            code,
            modifiers: modifiers
                & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT),
        }
    }

    pub fn from_event(event: &KeyEvent) -> Self {
        Self::new(event.code, event.modifiers)
    }
}

/// `f1`..`f12`.
fn function_key(lower: &str) -> Option<u8> {
    lower
        .strip_prefix('f')
        .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u8>().ok())
        .filter(|number| (1..=12).contains(number))
}

const DEFAULTS: &[(Context, Command, &[&str])] = &[
    (Context::Global, Command::Quit, &["q", "ctrl-c"]),
    (Context::Global, Command::Help, &["?"]),
    (Context::Global, Command::NextPanel, &["tab"]),
    (Context::Global, Command::PrevPanel, &["shift-tab"]),
    (Context::Global, Command::Up, &["k", "up"]),
    (Context::Global, Command::Down, &["j", "down"]),
    (Context::Global, Command::Top, &["g", "home"]),
    (Context::Global, Command::Bottom, &["G", "end"]),
    (Context::Global, Command::PageUp, &["pgup", "ctrl-u"]),
    (Context::Global, Command::PageDown, &["pgdn", "ctrl-d"]),
    (Context::Global, Command::Filter, &["/"]),
    (Context::Global, Command::CommandLine, &[":"]),
    (Context::Global, Command::Drill, &["enter"]),
    (Context::Global, Command::Back, &["esc"]),
    (Context::Global, Command::ShowServices, &["1"]),
    (Context::Global, Command::ShowHealth, &["2"]),
    (Context::Global, Command::ShowLogs, &["3"]),
    (Context::Global, Command::ShowTopology, &["4"]),
    (Context::Global, Command::ShowProfiles, &["5"]),
    (Context::Global, Command::ShowActivity, &["6"]),
    (Context::Global, Command::ShowAudit, &["7"]),
    (Context::Global, Command::ShowDrills, &["8"]),
    (Context::Global, Command::ShowMetrics, &["9"]),
    (Context::Services, Command::Start, &["S"]),
    (Context::Services, Command::Stop, &["x"]),
    (Context::Services, Command::Restart, &["r"]),
    (Context::Services, Command::Recreate, &["R"]),
    (Context::Services, Command::Shell, &["s"]),
    (Context::Services, Command::Logs, &["l"]),
    (Context::Services, Command::Sort, &["o"]),
    (Context::Health, Command::Restart, &["r"]),
    (Context::Health, Command::Shell, &["s"]),
    (Context::Health, Command::Logs, &["l"]),
    (Context::Logs, Command::ToggleFollow, &["f", "space"]),
    (Context::Logs, Command::ToggleJson, &["J"]),
    (Context::Logs, Command::ToggleTimestamps, &["t"]),
    // k9s's log keys: `c` copies, `w` wraps, ctrl-s saves; clearing the buffer moved to `C`.
    (Context::Logs, Command::SaveLogs, &["ctrl-s"]),
    (Context::Logs, Command::ClearLogs, &["C"]),
    (Context::Logs, Command::Copy, &["c"]),
    (Context::Logs, Command::ToggleWrap, &["w"]),
    (Context::Logs, Command::ToggleTimeZone, &["z"]),
    (Context::Logs, Command::NextMatch, &["n"]),
    (Context::Logs, Command::PrevMatch, &["N"]),
    (Context::Logs, Command::NextProblem, &["e"]),
    (Context::Logs, Command::PrevProblem, &["E"]),
    (Context::Logs, Command::CycleLevel, &["L"]),
    (Context::Logs, Command::ToggleMatchesOnly, &["M"]),
    (Context::Profiles, Command::ProfileUp, &["u"]),
    (Context::Profiles, Command::ProfileDown, &["D"]),
    (Context::Activity, Command::ResumeReloads, &["p"]),
    (Context::Audit, Command::Refresh, &["r"]),
    (Context::Drills, Command::StopDrill, &["x"]),
    (Context::Metrics, Command::CycleWindow, &["w"]),
    (Context::Topology, Command::ToggleView, &["v"]),
];

/// `[keys.<context>]` tables of `command = ["key", ...]`.
pub type KeymapOverrides = HashMap<Context, HashMap<Command, Vec<String>>>;

#[derive(Debug, Clone)]
pub struct Keymap {
    tables: HashMap<Context, HashMap<KeyChord, Command>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut tables: HashMap<Context, HashMap<KeyChord, Command>> = HashMap::new();
        for (context, command, keys) in DEFAULTS {
            for key in *keys {
                if let Ok(chord) = KeyChord::parse(key) {
                    tables.entry(*context).or_default().insert(chord, *command);
                }
            }
        }
        Self { tables }
    }
}

impl Keymap {
    /// A command named in the file loses its default keys in that context and gets the new ones.
    pub fn with(mut self, overrides: &KeymapOverrides) -> Result<Self, String> {
        for (context, commands) in overrides {
            let table = self.tables.entry(*context).or_default();
            for (command, keys) in commands {
                table.retain(|_, bound| bound != command);
                for key in keys {
                    let chord = KeyChord::parse(key).map_err(|err| format!("keys: {err}"))?;
                    table.insert(chord, *command);
                }
            }
        }
        Ok(self)
    }

    pub fn lookup(&self, context: Context, event: &KeyEvent) -> Option<Command> {
        let chord = KeyChord::from_event(event);
        [context, Context::Global].into_iter().find_map(|ctx| {
            self.tables
                .get(&ctx)
                .and_then(|table| table.get(&chord))
                .copied()
        })
    }

    /// Keys bound to `command` in `context`, for the help screen.
    pub fn keys_for(&self, context: Context, command: Command) -> Vec<String> {
        let mut keys: Vec<String> = self
            .tables
            .get(&context)
            .into_iter()
            .flat_map(|table| table.iter())
            .filter(|(_, bound)| **bound == command)
            .map(|(chord, _)| describe(chord))
            .collect();
        keys.sort();
        keys
    }
}

fn describe(chord: &KeyChord) -> String {
    let mut text = String::new();
    if chord.modifiers.contains(KeyModifiers::CONTROL) {
        text.push_str("ctrl-");
    }
    if chord.modifiers.contains(KeyModifiers::ALT) {
        text.push_str("alt-");
    }
    let key = match chord.code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::BackTab => "shift-tab".to_string(),
        KeyCode::PageUp => "pgup".to_string(),
        KeyCode::PageDown => "pgdn".to_string(),
        other => other.to_string().to_lowercase(),
    };
    text.push_str(&key);
    text
}
