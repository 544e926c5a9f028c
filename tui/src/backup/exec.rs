//! Commands inside the stack's containers through the Engine API, with their stdout streamed to a
//! file on this machine or a file streamed into their stdin: dumps never touch the containers'
//! read-only filesystems, and nothing is held whole in memory.

use anyhow::{Context, bail};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;
use std::path::Path;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// What is left of a command's stderr in an error message.
const STDERR_TAIL: usize = 2000;

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
        let mut stdout = Vec::new();
        self.stream(docker, command, None, &mut stdout).await?;
        Ok(String::from_utf8_lossy(&stdout).into_owned())
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
        file.flush().await?;
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
        let mut stdout = Vec::new();
        self.stream(docker, command, Some(input), &mut stdout)
            .await?;
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    async fn stream(
        &self,
        docker: &Docker,
        command: &[&str],
        input: Option<&Path>,
        stdout: &mut (impl AsyncWrite + Unpin),
    ) -> anyhow::Result<()> {
        let program = command.first().copied().unwrap_or("command");
        let exec = docker
            .create_exec(
                &self.id,
                CreateExecOptions {
                    cmd: Some(command.iter().map(|part| part.to_string()).collect()),
                    attach_stdin: Some(input.is_some()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("cannot run {program} in {}", self.name))?;
        let started = docker
            .start_exec(&exec.id, None)
            .await
            .with_context(|| format!("cannot run {program} in {}", self.name))?;
        let StartExecResults::Attached {
            mut output,
            input: mut stdin,
        } = started
        else {
            bail!("{program} in {} started detached", self.name);
        };
        let mut stderr = String::new();
        let read = async {
            while let Some(chunk) = output.next().await {
                match chunk.with_context(|| format!("reading {program}'s output"))? {
                    LogOutput::StdErr { message } => {
                        stderr.push_str(&String::from_utf8_lossy(&message));
                    }
                    LogOutput::StdOut { message } => stdout
                        .write_all(&message)
                        .await
                        .with_context(|| format!("cannot store {program}'s output"))?,
                    _ => {}
                }
            }
            anyhow::Ok(())
        };
        // Written while the output is read: a command may answer before it has read everything.
        let write = async {
            if let Some(path) = input {
                let mut file = tokio::fs::File::open(path)
                    .await
                    .with_context(|| format!("cannot read {}", path.display()))?;
                // A command that stops reading (it failed) closes the pipe; its exit code says why.
                let _ = tokio::io::copy(&mut file, &mut stdin).await;
            }
            // End of input: the command sees EOF on its stdin.
            let _ = stdin.shutdown().await;
            anyhow::Ok(())
        };
        let (read, write) = tokio::join!(read, write);
        write?;
        read?;
        let code = docker.inspect_exec(&exec.id).await?.exit_code;
        if code != Some(0) {
            let text = stderr.trim();
            let tail = &text[text.floor_char_boundary(text.len().saturating_sub(STDERR_TAIL))..];
            bail!(
                "{program} in {} failed (exit {}): {tail}",
                self.name,
                code.map_or("unknown".to_string(), |code| code.to_string())
            );
        }
        Ok(())
    }
}
