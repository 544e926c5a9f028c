//! Runs the project's preparation script (compose/prepare) before compose brings a profile up.

use super::Output;
use stack_core::model::Layout;
use std::process::Stdio;

/// Runs the project's preparation script (secrets, certs, artifacts, image selection) if it has one.
pub async fn prepare(layout: &Layout, profile: &str, output: Output) -> anyhow::Result<()> {
    let Some(script) = layout.prepare_script() else {
        return Ok(());
    };
    let mut command = tokio::process::Command::new(&script);
    // The overlays turned on choose their images too (`compose/prepare --with NAME`).
    for overlay in layout.profile(profile)?.overlays {
        command.args(["--with", &overlay]);
    }
    command
        .envs(crate::docker::command::child_env())
        .env("STACK_PROFILE", profile)
        .current_dir(&layout.root)
        .stdin(Stdio::null());
    let status = match output {
        Output::Terminal => command.status().await,
        Output::Captured => command.output().await.map(|out| {
            if !out.status.success() {
                tracing::warn!(stderr = %String::from_utf8_lossy(&out.stderr), "preparation failed");
            }
            out.status
        }),
    };
    let status = status.map_err(|err| {
        anyhow::anyhow!(
            "cannot run {}: {err}. Fix: make it executable",
            script.display()
        )
    })?;
    if !status.success() {
        anyhow::bail!(
            "preparation script {} {profile} failed ({status}); see its output (or the log file) for the cause",
            script.display()
        );
    }
    Ok(())
}
