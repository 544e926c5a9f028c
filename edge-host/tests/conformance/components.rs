//! Builds the suite's guest components for `wasm32-wasip2`.
//!
//! The suite's root `Cargo.toml` also names a runner crate that the reference copy leaves out, so
//! cargo cannot load that workspace as it is. The components and their helper crate are copied
//! into a scratch workspace in cargo's target directory (never into the repository) and built
//! there with the suite's `Cargo.lock`. Unchanged files keep their mtime, so a second run only
//! checks freshness.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The scratch workspace's manifest: the suite's members minus the missing runner crate, and the
/// suite's shared dependency versions.
const WORKSPACE_MANIFEST: &str = r#"[workspace]
members = ["components/*", "crates/helper"]
resolver = "2"

[workspace.dependencies]
anyhow = "1.0"
helper = { path = "crates/helper" }
wit-bindgen = "0.26"
"#;

/// Component folder name (as `%{source=NAME}` says it) → built `.wasm`.
pub type Built = BTreeMap<String, PathBuf>;

pub fn build(suite: &Path, target_root: &Path) -> Result<Built, String> {
    let scratch = target_root.join("spin-conformance-src");
    let target = target_root.join("spin-conformance");
    std::fs::create_dir_all(scratch.join("crates")).map_err(|e| e.to_string())?;
    for part in ["components", "wit", "crates/helper"] {
        copy_tree(&suite.join(part), &scratch.join(part))?;
    }
    let lock = std::fs::read(suite.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    write_if_changed(&scratch.join("Cargo.lock"), &lock)?;
    write_if_changed(&scratch.join("Cargo.toml"), WORKSPACE_MANIFEST.as_bytes())?;

    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&scratch)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--workspace",
        ])
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| format!("cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building the suite's components failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let wasm_dir = target.join("wasm32-wasip2").join("release");
    let mut built = Built::new();
    for (folder, package) in packages(&suite.join("components"))? {
        let wasm = wasm_dir.join(format!("{}.wasm", package.replace('-', "_")));
        if !wasm.is_file() {
            return Err(format!("{folder}: {} was not built", wasm.display()));
        }
        built.insert(folder, wasm);
    }
    Ok(built)
}

/// Each component folder with its package name (the `.wasm` is named after the package).
fn packages(components: &Path) -> Result<Vec<(String, String)>, String> {
    let entries = std::fs::read_dir(components).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let value: toml::Value =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let name = value
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .ok_or_else(|| format!("{}: no package name", manifest.display()))?;
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            name.to_string(),
        ));
    }
    Ok(out)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let (src, dest) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&src, &dest)?;
            }
        } else {
            let bytes = std::fs::read(&src).map_err(|e| format!("{}: {e}", src.display()))?;
            write_if_changed(&dest, &bytes)?;
        }
    }
    Ok(())
}

/// Leaves an identical file alone, so its mtime stays and cargo's next build is a no-op.
fn write_if_changed(dest: &Path, bytes: &[u8]) -> Result<(), String> {
    if std::fs::read(dest).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    std::fs::write(dest, bytes).map_err(|e| format!("{}: {e}", dest.display()))
}
