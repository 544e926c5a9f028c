//! The app's code: build the component, install it for edge-host's hot swap (local), or stage it
//! and build the app image (profiles that bake it in). The build and its destinations are the
//! project's build task's (`cargo xtask`); each step runs one of its phases.

use super::{StepContext, tail};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::process::Stdio;
use tokio::process::Command;

impl StepContext {
    pub(super) async fn build_component(&self) -> Result<String, String> {
        self.app_phase("build").await
    }

    /// Compiles the new component with the staged edge-host (the very binary the app container
    /// runs, so the cache key matches) into the cache the local app mounts. Without a staged
    /// edge-host this is skipped and edge-host compiles on swap instead.
    pub(super) async fn precompile_component(&self) -> Result<String, String> {
        self.app_phase("precompile").await
    }

    /// Replaces edge-app/dist/edge_app.wasm (by rename, so edge-host never reads half a file);
    /// edge-host watches that folder in the local profile.
    pub(super) async fn install_component(&self) -> Result<String, String> {
        self.app_phase("install").await
    }

    /// Stages the installed component and the manifest for the app image build; edge-host itself
    /// is not part of an app change and stays staged.
    pub(super) async fn stage_app(&self) -> Result<String, String> {
        self.app_phase("stage").await
    }

    /// One phase of the project's build task (`cargo xtask app PHASE`, in .ci/xtask), which is
    /// where the component's build and its destinations are written down. Its last line on
    /// stdout is the summary; a failure shows the compiler's or the tool's messages.
    /// The phase runs in its own process group: a reload dropped mid-build (superseded by a newer
    /// save) kills cargo's compiler processes too, not only cargo.
    async fn app_phase(&self, phase: &str) -> Result<String, String> {
        let child = Command::new("cargo")
            .args(["xtask", "app", phase, "--short-messages"])
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| format!("cannot run cargo xtask: {err}"))?;
        let group = GroupKill::of(child.id());
        let output = child
            .wait_with_output()
            .await
            .map_err(|err| format!("cannot run cargo xtask: {err}"))?;
        group.disarm();
        if output.status.success() {
            let said = String::from_utf8_lossy(&output.stdout);
            return Ok(super::last_line(&said).unwrap_or(phase).to_string());
        }
        Err(compiler_errors(&String::from_utf8_lossy(&output.stderr)))
    }

    pub(super) async fn build_app_image(&self) -> Result<String, String> {
        self.compose
            .build("app")
            .await
            .map_err(|err| err.to_string())?;
        Ok("app image built".into())
    }
}

/// Kills a process group when dropped, unless disarmed once its leader was waited for (after
/// that the id may name another group).
struct GroupKill(Option<Pid>);

impl GroupKill {
    fn of(leader: Option<u32>) -> Self {
        Self(
            leader
                .and_then(|pid| i32::try_from(pid).ok())
                .map(Pid::from_raw),
        )
    }

    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for GroupKill {
    fn drop(&mut self) {
        if let Some(group) = self.0 {
            // Already gone is fine: there is nothing left to stop.
            let _ = killpg(group, Signal::SIGKILL);
        }
    }
}

/// Cargo's errors without its progress lines ("Compiling …"), which say nothing about the failure.
fn compiler_errors(stderr: &str) -> String {
    let kept: Vec<&str> = stderr
        .lines()
        .filter(|line| {
            let trimmed = line.trim_start();
            !(trimmed.starts_with("Compiling ")
                || trimmed.starts_with("Blocking ")
                || trimmed.starts_with("Building "))
        })
        .collect();
    tail(&kept.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiler_errors_drop_progress_lines() {
        let stderr = "   Compiling edge-app v0.1.0 (/p/edge-app)\n\
                      edge-app/src/lib.rs:3:5: error: expected `;`, found `}`\n\
                      error: could not compile `edge-app` (lib) due to 1 previous error\n";
        let errors = compiler_errors(stderr);
        assert!(!errors.contains("Compiling"), "{errors}");
        assert!(
            errors.starts_with("edge-app/src/lib.rs:3:5: error"),
            "{errors}"
        );
        assert!(errors.ends_with("due to 1 previous error"), "{errors}");
    }
}
