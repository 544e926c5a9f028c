//! Commands inside the stack's containers through the Engine API, with their stdout streamed to a
//! file on this machine or a file streamed into their stdin: dumps never touch the containers'
//! read-only filesystems, and nothing is held whole in memory.

use crate::docker::exec;
use anyhow::Context;
use bollard::Docker;
use std::path::Path;
use tokio::io::{AsyncRead, AsyncWrite};

/// One container, by id, with a name for messages.
#[derive(Debug, Clone)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub image: String,
}

impl Container {
    /// Runs `command`; returns its stdout, or an error with its stderr when it exits non-zero.
    pub async fn run(&self, docker: &Docker, command: &[&str]) -> anyhow::Result<String> {
        exec::output(docker, &self.id, &self.name, command).await
    }

    /// Runs `command` with its stdout written to `out` (created 0600, replaced if present).
    pub async fn run_to_file(
        &self,
        docker: &Docker,
        command: &[&str],
        out: &Path,
    ) -> anyhow::Result<()> {
        let mut file = super::folder::create_private_file(out).await?;
        self.stream(docker, command, None, &mut file).await?;
        file.sync_all()
            .await
            .with_context(|| format!("cannot write {}", out.display()))
    }

    /// Runs `command` with `input`'s content on its stdin; returns its stdout.
    pub async fn run_with_input(
        &self,
        docker: &Docker,
        command: &[&str],
        input: &Path,
    ) -> anyhow::Result<String> {
        let mut file = tokio::fs::File::open(input)
            .await
            .with_context(|| format!("cannot read {}", input.display()))?;
        let mut stdout = Vec::new();
        self.stream(docker, command, Some(&mut file), &mut stdout)
            .await?;
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    async fn stream(
        &self,
        docker: &Docker,
        command: &[&str],
        input: Option<&mut (dyn AsyncRead + Unpin + Send)>,
        stdout: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> anyhow::Result<()> {
        let program = command.first().copied().unwrap_or("command");
        exec::stream(docker, &self.id, &self.name, command, &[], input, stdout)
            .await?
            .succeeded(program, &self.name)
    }
}
