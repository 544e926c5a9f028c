//! One command in a running container through the Engine API with input on its stdin, so that a
//! secret never appears in its arguments or in the environment the engine records for the exec,
//! and with a bound on the whole run.

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// What the command printed on each stream and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputExecOutput {
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` in `container` with `input` on its stdin and `env` added to its environment;
/// `Err` when the engine refused or the run took longer than `limit` (the command may then go on
/// inside the container, so give it a timeout of its own too).
pub async fn exec_with_input(
    docker: &Docker,
    container: &str,
    command: &[&str],
    env: &[&str],
    input: &[u8],
    limit: Duration,
) -> Result<InputExecOutput, String> {
    tokio::time::timeout(limit, run(docker, container, command, env, input))
        .await
        .map_err(|_| format!("no answer within {} s", limit.as_secs()))?
}

async fn run(
    docker: &Docker,
    container: &str,
    command: &[&str],
    env: &[&str],
    input: &[u8],
) -> Result<InputExecOutput, String> {
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(command.iter().map(|part| part.to_string()).collect()),
                env: Some(env.iter().map(|var| var.to_string()).collect()),
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .map_err(|err| format!("cannot exec in {container}: {err}"))?;
    let mut result = InputExecOutput::default();
    let started = docker
        .start_exec(&exec.id, None)
        .await
        .map_err(|err| format!("cannot exec in {container}: {err}"))?;
    if let StartExecResults::Attached {
        mut output,
        input: mut stdin,
    } = started
    {
        stdin
            .write_all(input)
            .await
            .map_err(|err| format!("cannot write to the command in {container}: {err}"))?;
        // The commands here read what they need and end by themselves; closing is a courtesy.
        let _ = stdin.shutdown().await;
        while let Some(chunk) = output.next().await {
            match chunk.map_err(|err| format!("reading from {container}: {err}"))? {
                LogOutput::StdErr { message } => {
                    result.stderr.push_str(&String::from_utf8_lossy(&message));
                }
                other => result.stdout.push_str(&other.to_string()),
            }
        }
    }
    result.exit_code = docker
        .inspect_exec(&exec.id)
        .await
        .map_err(|err| format!("cannot read the exit code in {container}: {err}"))?
        .exit_code;
    Ok(result)
}
