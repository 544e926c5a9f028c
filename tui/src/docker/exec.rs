//! Commands run inside a container through the Engine API (an exec). [`exec`] gives a probe's
//! whole output and exit code (the only HTTP client in the app image is edge-host itself, and
//! the app's ports are not published, so probes run from inside); [`stream`] feeds a command's
//! stdin and writes its stdout as they come (dumps, restores, secrets passed on stdin so they
//! never show in the exec's arguments); [`output`] is a command whose stdout is the answer.

use anyhow::Context as _;
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// What a command printed (stdout and stderr, interleaved) and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_code: Option<i64>,
    pub output: String,
}

/// Runs `command` in the container `id` (`name` is for messages) and waits for it to end; `Err`
/// when the engine could not run it at all (gone, paused, daemon away).
pub async fn exec(
    docker: &Docker,
    id: &str,
    name: &str,
    command: &[&str],
) -> Result<ExecOutput, String> {
    let exec = docker
        .create_exec(
            id,
            CreateExecOptions {
                cmd: Some(command.iter().map(|part| part.to_string()).collect()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .map_err(|err| format!("cannot exec in {name}: {err}"))?;
    let mut output = String::new();
    if let StartExecResults::Attached {
        output: mut stream, ..
    } = docker
        .start_exec(&exec.id, None)
        .await
        .map_err(|err| format!("cannot exec in {name}: {err}"))?
    {
        while let Some(Ok(chunk)) = stream.next().await {
            output.push_str(&chunk.to_string());
        }
    }
    let exit_code = docker
        .inspect_exec(&exec.id)
        .await
        .map_err(|err| format!("cannot read the exit code: {err}"))?
        .exit_code;
    Ok(ExecOutput { exit_code, output })
}

/// How a streamed command ended: its exit code and what it wrote on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ended {
    pub exit_code: Option<i64>,
    pub stderr: String,
}

/// What is kept of a failed command's stderr in an error message.
const STDERR_TAIL: usize = 2000;

impl Ended {
    /// `Ok` on exit code 0, else an error naming `program`, `name` and the end of its stderr.
    pub fn succeeded(&self, program: &str, name: &str) -> anyhow::Result<()> {
        if self.exit_code == Some(0) {
            return Ok(());
        }
        let text = self.stderr.trim();
        let tail = &text[text.floor_char_boundary(text.len().saturating_sub(STDERR_TAIL))..];
        anyhow::bail!(
            "{program} in {name} failed (exit {}): {tail}",
            self.exit_code
                .map_or("unknown".to_string(), |code| code.to_string())
        )
    }
}

/// Runs `command` (with `env` added to its environment) in the container `id` (`name` is for
/// messages), with `input` on its stdin and its stdout written to `stdout` as it arrives, so
/// that neither side is held whole in memory. `Err` when the engine could not run it.
pub async fn stream(
    docker: &Docker,
    id: &str,
    name: &str,
    command: &[&str],
    env: &[&str],
    input: Option<&mut (dyn AsyncRead + Unpin + Send)>,
    stdout: &mut (dyn AsyncWrite + Unpin + Send),
) -> anyhow::Result<Ended> {
    let program = command.first().copied().unwrap_or("command");
    let exec = docker
        .create_exec(
            id,
            CreateExecOptions {
                cmd: Some(command.iter().map(|part| part.to_string()).collect()),
                env: Some(env.iter().map(|var| var.to_string()).collect()),
                attach_stdin: Some(input.is_some()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .with_context(|| format!("cannot run {program} in {name}"))?;
    let started = docker
        .start_exec(&exec.id, None)
        .await
        .with_context(|| format!("cannot run {program} in {name}"))?;
    let StartExecResults::Attached {
        mut output,
        input: mut stdin,
    } = started
    else {
        anyhow::bail!("{program} in {name} started detached");
    };
    let mut stderr = String::new();
    let read = async {
        while let Some(chunk) = output.next().await {
            match chunk.with_context(|| format!("reading {program}'s output in {name}"))? {
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
        if let Some(input) = input {
            // A command that stops reading (it failed) closes the pipe; its exit code says why.
            let _ = tokio::io::copy(input, &mut stdin).await;
        }
        // End of input: the command sees EOF on its stdin.
        let _ = stdin.shutdown().await;
    };
    let (read, ()) = tokio::join!(read, write);
    read?;
    stdout.flush().await?;
    let exit_code = docker
        .inspect_exec(&exec.id)
        .await
        .with_context(|| format!("cannot read the exit code of {program} in {name}"))?
        .exit_code;
    Ok(Ended { exit_code, stderr })
}

/// Runs `command` and returns its stdout; a non-zero exit is an error carrying its stderr.
pub async fn output(
    docker: &Docker,
    id: &str,
    name: &str,
    command: &[&str],
) -> anyhow::Result<String> {
    let mut stdout = Vec::new();
    let program = command.first().copied().unwrap_or("command");
    stream(docker, id, name, command, &[], None, &mut stdout)
        .await?
        .succeeded(program, name)?;
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}
