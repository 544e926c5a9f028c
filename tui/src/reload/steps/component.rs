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

    /// Compiles the new component with the staged edge-host (the very binary the app container
    /// runs, so the cache key matches) into the cache the local app mounts. Without a staged
    /// edge-host this is skipped and edge-host compiles on swap instead.
    pub(super) async fn precompile_component(&self) -> Result<String, String> {
        let edge_host = self.root.join("compose/images/app/stage/edge-host");
        if !edge_host.is_file() {
            return Ok(
                "skipped: no staged edge-host (run compose/prepare); the swap compiles".into(),
            );
        }
        let built = built_component(&self.root).await?;
        let output = Command::new(&edge_host)
            .arg("precompile")
            .arg(&built)
            .env(
                "EDGE_HOST_COMPONENT_CACHE",
                self.root.join("edge-app/.component-cache"),
            )
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|err| format!("cannot run {}: {err}", edge_host.display()))?;
        if output.status.success() {
            prune_cache(&self.root.join("edge-app/.component-cache"), CACHE_KEEP).await;
            let said = String::from_utf8_lossy(&output.stdout);
            return Ok(super::last_line(&said)
                .and_then(|line| line.rsplit_once(": ").map(|(_, what)| what.to_string()))
                .unwrap_or_else(|| "compiled".into()));
        }
        Err(tail(&String::from_utf8_lossy(&output.stderr)))
    }

    /// Replaces edge-app/dist/edge_app.wasm (by rename, so edge-host never reads half a file);
    /// edge-host watches that folder in the local profile.
    pub(super) async fn install_component(&self) -> Result<String, String> {
        let built = built_component(&self.root).await?;
        let bytes = replace_file(&built, &self.root.join("edge-app/dist/edge_app.wasm")).await?;
        Ok(format!(
            "edge-app/dist/edge_app.wasm ({} KiB)",
            bytes / 1024
        ))
    }

    /// Stages the installed component and the manifest for the app image build, as
    /// compose/prepare does; edge-host itself is not part of an app change and stays staged.
    pub(super) async fn stage_app(&self) -> Result<String, String> {
        let stage = self.root.join("compose/images/app/stage");
        for (from, to) in [
            ("edge-app/dist/edge_app.wasm", "dist/edge_app.wasm"),
            ("edge-app/spin.toml", "spin.toml"),
        ] {
            replace_file(&self.root.join(from), &stage.join(to)).await?;
        }
        Ok("compose/images/app/stage: dist/edge_app.wasm, spin.toml".into())
    }

    pub(super) async fn build_app_image(&self) -> Result<String, String> {
        self.compose
            .build("app")
            .await
            .map_err(|err| err.to_string())?;
        Ok("app image built".into())
    }
}

/// Copies `from` over `to` through a temporary file and a rename, so a reader (edge-host's
/// watcher, a docker build) never sees a half-written file. Returns the bytes copied.
async fn replace_file(from: &Path, to: &Path) -> Result<u64, String> {
    let io =
        |what: &str, path: &Path, err: std::io::Error| format!("{what} {}: {err}", path.display());
    let folder = to.parent().unwrap_or(Path::new("."));
    let name = to.file_name().unwrap_or_default().to_string_lossy();
    let temp = folder.join(format!(".{name}.tmp"));
    tokio::fs::create_dir_all(folder)
        .await
        .map_err(|err| io("cannot create", folder, err))?;
    let bytes = tokio::fs::copy(from, &temp)
        .await
        .map_err(|err| io("cannot copy", from, err))?;
    tokio::fs::rename(&temp, to)
        .await
        .map_err(|err| io("cannot replace", to, err))?;
    Ok(bytes)
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

/// Compiled components kept in edge-app/.component-cache (a few MB each): the running one, plus
/// recent ones to swap back to.
const CACHE_KEEP: usize = 8;

/// Deletes all but the `keep` newest compiled components, so the cache does not grow with every
/// reload. Best effort: a file the app is loading stays readable until it closes it.
async fn prune_cache(dir: &Path, keep: usize) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let mut compiled = Vec::new();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "cwasm")
            && let Ok(modified) = entry.metadata().await.and_then(|m| m.modified())
        {
            compiled.push((modified, path));
        }
    }
    compiled.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, old) in compiled.into_iter().skip(keep) {
        if let Err(err) = tokio::fs::remove_file(&old).await {
            tracing::warn!(path = %old.display(), %err, "cannot prune the component cache");
        }
    }
}

/// Where cargo put the component it just built.
async fn built_component(root: &Path) -> Result<PathBuf, String> {
    Ok(target_dir(root)
        .await?
        .join("wasm32-wasip2/release/edge_app.wasm"))
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

    #[tokio::test]
    async fn pruning_keeps_the_newest_compiled_components_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..5 {
            let path = dir.path().join(format!("{i}.cwasm"));
            std::fs::write(&path, b"x").expect("write");
            let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(when))
                .expect("set mtime");
        }
        std::fs::write(dir.path().join("notes.txt"), b"kept").expect("write");
        prune_cache(dir.path(), 2).await;
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        left.sort();
        assert_eq!(left, ["3.cwasm", "4.cwasm", "notes.txt"]);
    }

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
