//! Runs reload plans for watcher triggers and reports each step with its duration: the activity
//! timeline of the dashboard and the output of `stack-tui watch` are both built from these events.

use super::classify::ChangeKind;
use super::guard::{Admission, LoopGuard};
use super::plan::{Step, plan_for};
use super::steps::StepContext;
use super::watcher::Trigger;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
}

/// Decides and runs reloads for one profile, one at a time.
pub struct Reloader {
    pub context: StepContext,
    pub profile: String,
    pub allow_prod: bool,
    guard: LoopGuard,
}

impl Reloader {
    pub fn new(context: StepContext, profile: String, allow_prod: bool) -> Self {
        Self {
            context,
            profile,
            allow_prod,
            guard: LoopGuard::default(),
        }
    }

    /// Lifts every pause of the loop guard; returns the paths, relative to the project root.
    pub fn resume_paused(&mut self) -> Vec<PathBuf> {
        self.guard
            .resume_all()
            .into_iter()
            .map(|path| self.relative(&path))
            .collect()
    }

    fn relative(&self, path: &std::path::Path) -> PathBuf {
        path.strip_prefix(&self.context.root)
            .unwrap_or(path)
            .to_path_buf()
    }

    /// Keeps another reloader's loop-guard history (paths it paused stay paused).
    pub fn inherit_guard(&mut self, previous: Reloader) {
        self.guard = previous.guard;
    }

    /// Handles one trigger, calling `report` for every timeline event as it happens. Steps stop at
    /// the first failure, so what is running keeps serving the last good version. A trigger
    /// without paths is a reload the user asked for.
    pub async fn handle(&mut self, trigger: Trigger, mut report: impl FnMut(ReloadEvent)) {
        let kind = trigger.kind;
        let (paths, admission) = self.guard.admit(&trigger.paths, Instant::now());
        if let Admission::Paused { reason } = admission {
            report(ReloadEvent::Skipped { kind, reason });
            return;
        }
        let steps = match plan_for(kind, &self.profile, self.allow_prod) {
            Ok(steps) => steps,
            Err(reason) => {
                report(ReloadEvent::Skipped {
                    kind,
                    reason: reason.to_string(),
                });
                return;
            }
        };
        let changed = paths.clone();
        let paths = paths.iter().map(|path| self.relative(path)).collect();
        report(ReloadEvent::Started { kind, paths });
        let started = Instant::now();
        let mut ok = true;
        for step in steps {
            report(ReloadEvent::StepStarted { step });
            let step_started = Instant::now();
            let result = self
                .context
                .run(step, &changed)
                .await
                .map_err(|failed| failed.message);
            ok = result.is_ok();
            report(ReloadEvent::StepDone {
                step,
                duration: step_started.elapsed(),
                result,
            });
            if !ok {
                break;
            }
        }
        report(ReloadEvent::Finished {
            kind,
            ok,
            total: started.elapsed(),
        });
    }
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
    }
}
