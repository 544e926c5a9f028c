//! The footer's key hints, read from the keymap: a key rebound in the config file shows as bound,
//! and under `--readonly` only the keys that look are offered.

use super::keymap::{Command, Context, Keymap};

/// What each place names in the footer, in order, with the word shown after its key.
fn wanted(context: Context, fullscreen_logs: bool) -> &'static [(Command, &'static str)] {
    use Command::*;
    if fullscreen_logs {
        return &[
            (Back, "back"),
            (ToggleFollow, "follow"),
            (Filter, "regex"),
            (Copy, "copy"),
            (Drill, "request"),
            (ToggleWrap, "wrap"),
            (CycleLevel, "level"),
            (NextProblem, "next error"),
            (NextMatch, "next match"),
            (ToggleJson, "json"),
            (ToggleTimestamps, "time"),
            (SaveLogs, "save"),
            (Help, "help"),
        ];
    }
    match context {
        Context::Services => &[
            (Drill, "health"),
            (Logs, "logs"),
            (Restart, "restart"),
            (Stop, "stop"),
            (Start, "start"),
            (Recreate, "recreate"),
            (Shell, "shell"),
            (Filter, "filter"),
            (Sort, "sort"),
            (Help, "help"),
            (Quit, "quit"),
        ],
        Context::Health => &[
            (Restart, "restart"),
            (Shell, "shell"),
            (Logs, "logs"),
            (Back, "back"),
            (Help, "help"),
        ],
        Context::Logs => &[
            (ToggleFollow, "follow"),
            (Filter, "regex"),
            (Copy, "copy"),
            (Drill, "request"),
            (ToggleWrap, "wrap"),
            (CycleLevel, "level"),
            (NextProblem, "next error"),
            (NextMatch, "next match"),
            (ToggleJson, "json"),
            (ToggleTimestamps, "time"),
            (SaveLogs, "save"),
            (ClearLogs, "clear"),
            (Back, "back"),
            (Help, "help"),
        ],
        Context::Profiles => &[
            (Drill, "switch"),
            (ProfileUp, "up"),
            (ProfileDown, "down"),
            (Help, "help"),
        ],
        Context::Audit => &[
            (Drill, "why & fix"),
            (Refresh, "audit again"),
            (Back, "back"),
            (Help, "help"),
        ],
        Context::Drills => &[
            (Drill, "run"),
            (StopDrill, "stop"),
            (Back, "back"),
            (Help, "help"),
        ],
        Context::Topology => &[
            (ToggleView, "picture/list"),
            (NextPanel, "next panel"),
            (Help, "help"),
            (Quit, "quit"),
        ],
        Context::Metrics => &[
            (CycleWindow, "window 1m/5m/15m"),
            (NextPanel, "next panel"),
            (Help, "help"),
        ],
        Context::Global | Context::Activity => {
            &[(NextPanel, "next panel"), (Help, "help"), (Quit, "quit")]
        }
    }
}

/// One hint: the key as the help screen writes it, and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub command: Command,
    pub text: String,
}

/// The hints for a panel, each with the shortest key bound to its command there (else globally:
/// `q` rather than `ctrl-c`); a command without a key is left out.
pub fn footer_hints(
    keymap: &Keymap,
    context: Context,
    fullscreen_logs: bool,
    readonly: bool,
) -> Vec<Hint> {
    resolve(keymap, context, wanted(context, fullscreen_logs), readonly)
}

/// The hints while the request view is open over the logs.
pub fn request_view_hints(keymap: &Keymap, readonly: bool) -> Vec<Hint> {
    use Command::*;
    const WANTED: &[(Command, &str)] = &[
        (Back, "close"),
        (Copy, "copy request"),
        (Down, "scroll"),
        (ToggleJson, "json"),
        (Help, "help"),
    ];
    resolve(keymap, Context::Logs, WANTED, readonly)
}

fn resolve(
    keymap: &Keymap,
    context: Context,
    wanted: &[(Command, &str)],
    readonly: bool,
) -> Vec<Hint> {
    wanted
        .iter()
        .filter(|(command, _)| !(readonly && command.changes_containers()))
        .filter_map(|(command, label)| {
            let key = [context, Context::Global].into_iter().find_map(|place| {
                keymap
                    .keys_for(place, *command)
                    .into_iter()
                    .min_by_key(|key| (key.chars().count(), key.clone()))
            })?;
            Some(Hint {
                command: *command,
                text: format!("{key} {label}"),
            })
        })
        .collect()
}

/// As many hints as fit in `width`, in order and whole, with the help hint kept: at 80 columns
/// the Services hints would otherwise be cut in the middle of a word.
pub fn fit(hints: &[Hint], width: usize) -> String {
    const GAP: &str = "  ";
    let all: Vec<&str> = hints.iter().map(|hint| hint.text.as_str()).collect();
    let joined = all.join(GAP);
    if joined.chars().count() <= width {
        return joined;
    }
    let help = hints.iter().find(|hint| hint.command == Command::Help);
    let reserved = help.map_or(0, |hint| hint.text.chars().count());
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 0;
    for hint in hints.iter().filter(|hint| hint.command != Command::Help) {
        let next = used + hint.text.chars().count() + GAP.len();
        if next + reserved > width {
            break;
        }
        kept.push(&hint.text);
        used = next;
    }
    if let Some(help) = help {
        kept.push(&help.text);
    }
    kept.join(GAP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keymap::KeymapOverrides;
    use std::collections::HashMap;

    fn text(hints: &[Hint]) -> String {
        hints
            .iter()
            .map(|hint| hint.text.as_str())
            .collect::<Vec<_>>()
            .join("  ")
    }

    #[test]
    fn the_default_keys_give_the_familiar_hints() {
        let keymap = Keymap::default();
        assert_eq!(
            text(&footer_hints(&keymap, Context::Services, false, false)),
            "enter health  l logs  r restart  x stop  S start  R recreate  s shell  / filter  o sort  ? help  q quit"
        );
        assert_eq!(
            text(&footer_hints(&keymap, Context::Services, false, true)),
            "enter health  l logs  / filter  o sort  ? help  q quit"
        );
        assert_eq!(
            text(&footer_hints(&keymap, Context::Logs, true, false)),
            "esc back  f follow  / regex  c copy  enter request  w wrap  L level  e next error  n next match  J json  t time  ctrl-s save  ? help"
        );
        assert_eq!(
            text(&footer_hints(&keymap, Context::Profiles, false, true)),
            "enter switch  ? help"
        );
    }

    #[test]
    fn a_rebound_key_shows_as_bound_and_an_unbound_command_is_left_out() {
        let overrides: KeymapOverrides = HashMap::from([(
            Context::Services,
            HashMap::from([
                (Command::Restart, vec!["ctrl-r".to_string()]),
                (Command::Sort, Vec::new()),
            ]),
        )]);
        let keymap = Keymap::default().with(&overrides).expect("valid keys");
        let hints = text(&footer_hints(&keymap, Context::Services, false, false));
        assert!(hints.contains("ctrl-r restart"), "{hints}");
        assert!(!hints.contains("sort"), "{hints}");
    }

    #[test]
    fn the_log_viewer_and_request_view_hints_follow_rebound_keys() {
        let overrides: KeymapOverrides = HashMap::from([(
            Context::Logs,
            HashMap::from([(Command::Copy, vec!["y".to_string()])]),
        )]);
        let keymap = Keymap::default().with(&overrides).expect("valid keys");
        let hints = text(&footer_hints(&keymap, Context::Logs, false, false));
        assert!(
            hints.starts_with("f follow  / regex  y copy  enter request"),
            "{hints}"
        );
        assert!(!hints.contains("c copy"), "{hints}");
        assert_eq!(
            text(&request_view_hints(&keymap, false)),
            "esc close  y copy request  j scroll  J json  ? help"
        );
    }

    #[test]
    fn hints_that_do_not_fit_are_dropped_whole_and_help_stays() {
        let keymap = Keymap::default();
        let hints = footer_hints(&keymap, Context::Services, false, false);
        let fitted = fit(&hints, 40);
        assert!(fitted.chars().count() <= 40, "{fitted}");
        assert!(fitted.ends_with("? help"), "{fitted}");
        assert!(fitted.starts_with("enter health  l logs"), "{fitted}");
        assert_eq!(fit(&hints, 500), text(&hints));
        let some: Vec<Hint> = hints
            .iter()
            .filter(|hint| {
                matches!(
                    hint.command,
                    Command::Drill | Command::Logs | Command::Restart | Command::Help
                )
            })
            .cloned()
            .collect();
        assert_eq!(fit(&some, 30), "enter health  l logs  ? help");
        assert_eq!(fit(&some, 4), "? help");
    }
}
