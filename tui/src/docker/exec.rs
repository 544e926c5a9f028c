//! A command run inside a container through the Engine API (an exec), with its whole output and
//! exit code: the only HTTP client in the app image is edge-host itself, and the app's ports are
//! not published, so probes run from inside.

use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;

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
