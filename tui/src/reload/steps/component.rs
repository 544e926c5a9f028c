//! The app's code: build the component, install it for edge-host's hot swap (local), or stage it
//! and build the app image (profiles that bake it in).

use super::{StepContext, tail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::Command;

impl StepContext {
    pub(super) async fn build_component(&self) -> Result<String, String> {
        let output = Command::new("cargo")
            .args(["build", "-p", "edge-app", "--target", "wasm32-wasip2"])
            .args(["--release", "--message-format", "short", "--color", "never"])
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        if output.status.success() {
            return Ok("edge_app.wasm built".into());
        }
        Err(compiler_errors(&String::from_utf8_lossy(&output.stderr)))
    }

    /// Replaces the component by rename, so edge-host never reads a half-written file.
    pub(super) async fn install_component(&self) -> Result<String, String> {
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
        Ok(format!(
            "edge-app/dist/edge_app.wasm ({} KiB)",
            bytes / 1024
        ))
    }

    /// `compose/prepare` stages edge-host, the component and the manifest for the image build.
    pub(super) async fn stage_app(&self) -> Result<String, String> {
        let script = self.root.join("compose/prepare");
        let output = Command::new(&script)
            .arg("--quiet")
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|err| format!("cannot run {}: {err}", script.display()))?;
        if output.status.success() {
            return Ok("compose/images/app/stage updated".into());
        }
        Err(tail(&String::from_utf8_lossy(&output.stderr)))
    }

    pub(super) async fn build_app_image(&self) -> Result<String, String> {
        self.compose
            .build("app")
            .await
            .map_err(|err| err.to_string())?;
        Ok("app image built".into())
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
