//! Carries out reload steps against the real project: cargo for the component, an exec in the
//! nginx container for the proxy, `docker compose` for stack files, the app image and the
//! migrations.

mod component;
mod confirm;
mod exec;
mod migrations;
mod own_healthcheck;
mod proxy;
mod rolling;
mod stack;

use crate::compose::Compose;
use bollard::Docker;
use stack_core::reload::Step;
use std::path::PathBuf;

/// Compiler and nginx messages are cut to their last lines; the panel shows what matters.
const MESSAGE_TAIL_LINES: usize = 40;

/// Everything a step needs to act on one profile.
pub struct StepContext {
    pub root: PathBuf,
    pub compose: Compose,
    pub docker: Docker,
}

/// A failed step, with the message of the tool that failed (compiler errors, `nginx -t`, compose).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step} failed: {message}")]
pub struct StepFailed {
    pub step: &'static str,
    pub message: String,
}

impl StepContext {
    /// Runs one step for a change to `changed` (absolute paths; none for a reload the user
    /// asked for); `Ok` carries a one-line summary for the timeline.
    pub async fn run(&self, step: Step, changed: &[PathBuf]) -> Result<String, StepFailed> {
        let result = match step {
            Step::BuildComponent => self.build_component().await,
            Step::ConfirmSwap => self.confirm_swap().await,
            Step::StageApp => self.stage_app().await,
            Step::BuildAppImage => self.build_app_image().await,
            Step::RollReplicas => self.roll_replicas().await,
            Step::TestProxyConfig => self.nginx(&["nginx", "-t"]).await,
            Step::ReloadProxy => self.reload_nginx().await,
            Step::ValidateCompose => self.validate_compose().await,
            Step::ApplyCompose => self.apply_compose(changed).await,
            Step::RunMigrations => self.run_migrations().await,
        };
        result.map_err(|message| StepFailed {
            step: step.label(),
            message,
        })
    }
}

/// The last lines of a tool's output that are not blank.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let start = lines.len().saturating_sub(MESSAGE_TAIL_LINES);
    lines[start..].join("\n")
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().find(|line| !line.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_non_empty_lines() {
        let text: String = (0..100).map(|i| format!("line {i}\n\n")).collect();
        let kept = tail(&text);
        assert_eq!(kept.lines().count(), MESSAGE_TAIL_LINES);
        assert!(kept.starts_with("line 60") && kept.ends_with("line 99"));
        assert_eq!(last_line("a\nb\n\n"), Some("b"));
        assert_eq!(last_line("\n"), None);
    }
}
