//! Runs reload plans for watcher triggers and reports each step with its duration: the activity
//! timeline of the dashboard and the output of `stack-tui watch` are both built from these events.

use super::steps::StepContext;
use stack_core::protocol::reload::{ReloadEvent, Trigger};
use stack_core::reload::{Admission, LoopGuard, plan_for};
use std::path::PathBuf;
use std::time::Instant;

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
