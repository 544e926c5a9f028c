//! What CI runs, in order: the cheap checks first (formatting, lints, docs), then the test suite
//! with its host setup (`.ci/test`, the README's test command).

use anyhow::{Context, bail};
use std::process::Command;

pub fn run(lint_only: bool) -> anyhow::Result<()> {
    std::env::set_current_dir(crate::app::project_root()?)
        .context("cannot enter the project root")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step(
        "cargo fmt --all -- --check",
        Command::new(&cargo).args(["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "cargo clippy --workspace --all-targets --locked -- -D warnings",
        Command::new(&cargo).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "cargo doc --workspace --no-deps --locked (warnings are errors)",
        Command::new(&cargo)
            .args(["doc", "--workspace", "--no-deps", "--locked"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    if lint_only {
        return Ok(());
    }
    step("bash .ci/test", Command::new("bash").arg(".ci/test"))
}

fn step(title: &str, command: &mut Command) -> anyhow::Result<()> {
    println!("==> {title}");
    let status = command
        .status()
        .with_context(|| format!("cannot start `{title}`"))?;
    if !status.success() {
        bail!("`{title}` failed ({status})");
    }
    Ok(())
}
