//! The app's code: build it as spin.toml says (its build command also installs it for
//! edge-host's hot swap in local), or stage it and build the app image (profiles that bake it in).

use super::{StepContext, tail};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use stack_core::reload::build_commands;
use std::process::Stdio;
use tokio::process::Command;

/// The app's folder, which holds its spin.toml.
const APP_DIR: &str = "edge-app";

impl StepContext {
    /// Runs what `spin build` would: each `[component.*.build] command` of edge-app/spin.toml
    /// with `sh -c` in its workdir, in order. The project's command builds, precompiles for the
    /// staged edge-host (so the local app's swap skips compilation) and installs the component by
    /// rename into edge-app/dist/, which edge-host watches in the local profile. The last line a
    /// command prints is the summary; a failure shows the compiler's or the tool's messages.
    pub(super) async fn build_component(&self) -> Result<String, String> {
        let app_dir = self.root.join(APP_DIR);
        let manifest = app_dir.join("spin.toml");
        let text = std::fs::read_to_string(&manifest)
            .map_err(|err| format!("cannot read {}: {err}", manifest.display()))?;
        let mut summary = String::new();
        for build in build_commands(&text)? {
            let said = run_in_own_group(
                Command::new("sh")
                    .args(["-c", &build.command])
                    .current_dir(app_dir.join(&build.workdir))
                    .env("CARGO_TERM_COLOR", "never"),
            )
            .await
            .map_err(|err| format!("{}: `{}`: {err}", build.component, build.command))?;
            summary = super::last_line(&said).unwrap_or("built").to_string();
        }
        Ok(summary)
    }

    /// Stages the installed component and the manifest for the app image build; edge-host itself
    /// is not part of an app change and stays staged. A phase of the project's build task
    /// (`cargo xtask app stage`, in .ci/xtask), where the image's build context is written down.
    pub(super) async fn stage_app(&self) -> Result<String, String> {
        let said = run_in_own_group(
            Command::new("cargo")
                .args(["xtask", "app", "stage"])
                .current_dir(&self.root),
        )
        .await?;
        Ok(super::last_line(&said).unwrap_or("staged").to_string())
    }

    pub(super) async fn build_app_image(&self) -> Result<String, String> {
        self.compose
            .build("app")
            .await
            .map_err(|err| err.to_string())?;
        Ok("app image built".into())
    }
}

/// Runs `command` in its own process group and returns its stdout. A reload dropped mid-build
/// (superseded by a newer save) kills the whole group, cargo's compiler processes too, not only
/// the shell. A failure carries the compiler's messages.
async fn run_in_own_group(command: &mut Command) -> Result<String, String> {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| format!("cannot start: {err}"))?;
    let group = GroupKill::of(child.id());
    let output = child
        .wait_with_output()
        .await
        .map_err(|err| format!("cannot wait for it: {err}"))?;
    group.disarm();
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let errors = compiler_errors(&String::from_utf8_lossy(&output.stderr));
    Err(if errors.is_empty() {
        format!("exited with {}", output.status)
    } else {
        errors
    })
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
