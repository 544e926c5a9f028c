//! The messages of the reload loop: the triggers it acts on, what the user can ask of it, and the
//! timeline it reports, with the text both `stack-tui watch` and the dashboard show for it.

use crate::reload::{ChangeKind, Step};
use std::path::PathBuf;
use std::time::Duration;

/// A burst of changes to one part of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub kind: ChangeKind,
    /// The changed files, sorted and without duplicates.
    pub paths: Vec<PathBuf>,
}

/// What the user can ask of a running loop (the dashboard's `p` key and `:reload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionRequest {
    /// Watch every path the loop guard paused again, without waiting for its quiet minute.
    ResumePaused,
    /// Run the reload for this part now, as if one of its files had changed.
    Reload(ChangeKind),
}

/// What the loop reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// Watching started: the folders watched (relative to the root) and the profile.
    Watching {
        folders: Vec<String>,
        profile: String,
    },
    Reload(ReloadEvent),
    /// The OS watcher failed; watching may be incomplete.
    WatchFailed(String),
    /// The selected profile cannot be reloaded (unknown name); changes are ignored until the
    /// selection changes.
    ProfileUnusable(String),
    /// Paused paths are watched again at the user's request (relative to the root; may be empty).
    Resumed {
        paths: Vec<String>,
    },
}

/// One line of the reload timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadEvent {
    /// A reload begins; `paths` are relative to the project root.
    Started {
        kind: ChangeKind,
        paths: Vec<PathBuf>,
    },
    /// The change leads to no reload (prod not allowed, a paused path, …), and why.
    Skipped { kind: ChangeKind, reason: String },
    /// A step begins (the dashboard shows it as progress).
    StepStarted { step: Step },
    StepDone {
        step: Step,
        duration: Duration,
        result: Result<String, String>,
    },
    Finished {
        kind: ChangeKind,
        ok: bool,
        total: Duration,
    },
    /// A newer save of the same part arrived while `step` (a build) was running: the build was
    /// stopped and a new reload with both saves follows, as `spin watch` does.
    Superseded {
        kind: ChangeKind,
        step: Step,
        total: Duration,
    },
}

/// The event as text for `stack-tui watch` and the log file; a failed step carries the tool's
/// message on the following lines.
pub fn describe(event: &ReloadEvent) -> String {
    describe_with(event, true)
}

/// The same text without durations, for the dashboard's Activity, which shows them in a column.
pub fn describe_untimed(event: &ReloadEvent) -> String {
    describe_with(event, false)
}

fn describe_with(event: &ReloadEvent, timed: bool) -> String {
    let took = |duration: &Duration| {
        if timed {
            format!(" ({})", millis(*duration))
        } else {
            String::new()
        }
    };
    match event {
        ReloadEvent::Started { kind, paths } if paths.is_empty() => {
            format!("{} reload: requested", kind.label())
        }
        ReloadEvent::Started { kind, paths } => {
            let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            format!("{} reload: {} changed", kind.label(), files.join(", "))
        }
        ReloadEvent::StepStarted { step } => format!("  … {}", step.label()),
        ReloadEvent::Skipped { kind, reason } => {
            format!("{} change not reloaded: {reason}", kind.label())
        }
        ReloadEvent::StepDone {
            step,
            duration,
            result,
        } => match result {
            Ok(summary) => format!("  ✓ {}{} — {summary}", step.label(), took(duration)),
            Err(message) => format!(
                "  ✗ {}{} — failed:\n{}",
                step.label(),
                took(duration),
                indent(message)
            ),
        },
        ReloadEvent::Superseded { kind, step, total } => format!(
            "{} reload cancelled, superseded by a newer save during {}{}",
            kind.label(),
            step.label(),
            if timed {
                format!(" after {}", millis(*total))
            } else {
                String::new()
            }
        ),
        ReloadEvent::Finished { kind, ok, total } => {
            let outcome = if *ok {
                "applied"
            } else {
                "failed; the running version keeps serving"
            };
            if timed {
                format!("{} reload {outcome} in {}", kind.label(), millis(*total))
            } else {
                format!("{} reload {outcome}", kind.label())
            }
        }
    }
}

fn millis(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("      {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_lines_name_files_steps_durations_and_outcome() {
        let started = ReloadEvent::Started {
            kind: ChangeKind::Proxy,
            paths: vec![PathBuf::from("proxy-config/nginx.conf")],
        };
        assert_eq!(
            describe(&started),
            "proxy reload: proxy-config/nginx.conf changed"
        );
        let requested = ReloadEvent::Started {
            kind: ChangeKind::App,
            paths: Vec::new(),
        };
        assert_eq!(describe(&requested), "app reload: requested");
        let failed = ReloadEvent::StepDone {
            step: Step::TestProxyConfig,
            duration: Duration::from_millis(42),
            result: Err("unknown directive \"bogus\"".into()),
        };
        assert_eq!(
            describe(&failed),
            "  ✗ nginx -t (42 ms) — failed:\n      unknown directive \"bogus\""
        );
        let finished = ReloadEvent::Finished {
            kind: ChangeKind::Proxy,
            ok: false,
            total: Duration::from_millis(50),
        };
        assert!(describe(&finished).contains("keeps serving"));
        assert!(describe(&finished).ends_with("in 50 ms"));
        assert_eq!(
            describe_untimed(&finished),
            "proxy reload failed; the running version keeps serving"
        );
        assert_eq!(
            describe_untimed(&failed),
            "  ✗ nginx -t — failed:\n      unknown directive \"bogus\""
        );
        let superseded = ReloadEvent::Superseded {
            kind: ChangeKind::App,
            step: Step::BuildComponent,
            total: Duration::from_millis(900),
        };
        assert_eq!(
            describe(&superseded),
            format!(
                "app reload cancelled, superseded by a newer save during {} after 900 ms",
                Step::BuildComponent.label()
            )
        );
    }
}
