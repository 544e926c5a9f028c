//! Carries out reload steps against the real project: cargo for the component, an exec in the
//! nginx container for the proxy, `docker compose` for stack files.

use super::plan::Step;
use crate::compose::{Compose, Output};
use crate::docker::{model::RunState, project_snapshots};
use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::Command;

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
    /// Runs one step; `Ok` carries a one-line summary for the timeline.
    pub async fn run(&self, step: Step) -> Result<String, StepFailed> {
        let failed = |message: String| StepFailed {
            step: step.label(),
            message,
        };
        match step {
            Step::BuildComponent => self.build_component().await.map_err(failed),
            Step::InstallComponent => self.install_component().await.map_err(failed),
            Step::TestProxyConfig => self.nginx(&["nginx", "-t"]).await.map_err(failed),
            Step::ReloadProxy => self.nginx(&["nginx", "-s", "reload"]).await.map_err(failed),
            Step::ValidateCompose => match self.compose.model().await {
                Ok(model) => Ok(format!("{} services valid", model.services.len())),
                Err(err) => Err(failed(err.to_string())),
            },
            Step::ApplyCompose => self.apply_compose().await.map_err(failed),
        }
    }

    async fn build_component(&self) -> Result<String, String> {
        let output = Command::new("cargo")
            .args([
                "build",
                "-p",
                "edge-app",
                "--target",
                "wasm32-wasip2",
                "--release",
            ])
            .args(["--message-format", "short", "--color", "never"])
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        if output.status.success() {
            return Ok("edge_app.wasm built".into());
        }
        Err(tail(&String::from_utf8_lossy(&output.stderr)))
    }

    /// Replaces the component by rename, so edge-host never reads a half-written file.
    async fn install_component(&self) -> Result<String, String> {
        let built = target_dir(&self.root)
            .await?
            .join("wasm32-wasip2/release/edge_app.wasm");
        let dist = self.root.join("edge-app/dist");
        let temp = dist.join(".edge_app.wasm.tmp");
        let installed = dist.join("edge_app.wasm");
        let io = |what: &str, path: &Path, err: std::io::Error| {
            format!("{what} {}: {err}", path.display())
        };
        tokio::fs::create_dir_all(&dist)
            .await
            .map_err(|err| io("cannot create", &dist, err))?;
        let bytes = tokio::fs::copy(&built, &temp)
            .await
            .map_err(|err| io("cannot copy", &built, err))?;
        tokio::fs::rename(&temp, &installed)
            .await
            .map_err(|err| io("cannot replace", &installed, err))?;
        Ok(format!("{} ({} KiB)", installed.display(), bytes / 1024))
    }

    /// Runs a command in the profile's running nginx container; a non-zero exit is a failure
    /// carrying nginx's own message.
    async fn nginx(&self, command: &[&str]) -> Result<String, String> {
        let project = &self.compose.profile().project;
        let snapshots = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?;
        let container = snapshots
            .iter()
            .find(|snapshot| snapshot.service == "nginx" && snapshot.state == RunState::Running)
            .ok_or_else(|| format!("no running nginx container in {project}"))?;
        let exec = self
            .docker
            .create_exec(
                &container.id,
                CreateExecOptions {
                    cmd: Some(command.iter().map(|part| part.to_string()).collect()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .map_err(|err| format!("cannot exec in {}: {err}", container.name))?;
        let mut text = String::new();
        if let StartExecResults::Attached { mut output, .. } = self
            .docker
            .start_exec(&exec.id, None)
            .await
            .map_err(|err| format!("cannot exec in {}: {err}", container.name))?
        {
            while let Some(Ok(chunk)) = output.next().await {
                text.push_str(&chunk.to_string());
            }
        }
        let exit = self
            .docker
            .inspect_exec(&exec.id)
            .await
            .map_err(|err| format!("cannot read the exit code: {err}"))?
            .exit_code;
        match exit {
            Some(0) => Ok(last_line(&text).unwrap_or("ok").to_string()),
            code => Err(format!(
                "{} (exit {})",
                tail(&text),
                code.map_or("unknown".to_string(), |code| code.to_string())
            )),
        }
    }

    /// `up -d`, then says which services compose recreated (their container ids changed).
    async fn apply_compose(&self) -> Result<String, String> {
        let project = &self.compose.profile().project;
        let before = self.containers_by_service(project).await?;
        self.compose
            .up(false, Output::Captured)
            .await
            .map_err(|err| err.to_string())?;
        let after = self.containers_by_service(project).await?;
        let changed: Vec<&str> = after
            .iter()
            .filter(|(service, ids)| before.get(*service) != Some(ids))
            .map(|(service, _)| service.as_str())
            .collect();
        Ok(if changed.is_empty() {
            "nothing recreated".into()
        } else {
            format!("recreated {}", changed.join(", "))
        })
    }

    async fn containers_by_service(
        &self,
        project: &str,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        let snapshots = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?;
        let mut by_service: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for snapshot in snapshots {
            by_service
                .entry(snapshot.service)
                .or_default()
                .insert(snapshot.id);
        }
        Ok(by_service)
    }
}

/// Cargo's target directory for the project (honours CARGO_TARGET_DIR and cargo config).
async fn target_dir(root: &Path) -> Result<PathBuf, String> {
    let output = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|err| format!("cannot run cargo metadata: {err}"))?;
    if !output.status.success() {
        return Err(tail(&String::from_utf8_lossy(&output.stderr)));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("cargo metadata printed invalid JSON: {err}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".to_string())
}

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
