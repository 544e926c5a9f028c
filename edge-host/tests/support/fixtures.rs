//! Builds the fixture components in `tests/components/` for wasm32-wasip2 (once per test run).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

static BUILD_LOCK: Mutex<()> = Mutex::new(());

fn target_dir() -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::repo_root().join("target"));
    base.join("edge-host-fixtures")
}

fn components_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("components")
}

/// Path of a built fixture component. `alt` selects the hello component's second greeting.
///
/// Each variant is copied to its own file so two builds can sit side by side.
pub fn component(package: &str, alt: bool) -> PathBuf {
    let _guard = BUILD_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let target = target_dir();
    let variant = if alt {
        format!("{package}-alt")
    } else {
        package.to_string()
    };
    let out = target.join("out").join(format!("{variant}.wasm"));
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(components_dir())
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "-p",
            package,
        ])
        .env("CARGO_TARGET_DIR", &target);
    if alt {
        cmd.args(["--features", "alt"]);
    }
    let status = cmd.status().expect("cargo runs");
    assert!(
        status.success(),
        "building fixture component {variant} failed"
    );
    let built = target
        .join("wasm32-wasip2")
        .join("release")
        .join(format!("{package}.wasm"));
    std::fs::create_dir_all(out.parent().expect("out has a parent")).expect("create out dir");
    std::fs::copy(&built, &out).expect("copy built component");
    out
}
