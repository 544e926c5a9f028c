//! One command in a running container through the Engine API with input on its stdin, so that a
//! secret never appears in its arguments or in the environment the engine records for the exec,
//! and with a bound on the whole run.

use bollard::Docker;
use std::time::Duration;

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
    mut input: &[u8],
) -> Result<InputExecOutput, String> {
    let mut stdout = Vec::new();
    let ended = super::exec::stream(
        docker,
        container,
        container,
        command,
        env,
        Some(&mut input),
        &mut stdout,
    )
    .await
    .map_err(|err| format!("{err:#}"))?;
    Ok(InputExecOutput {
        exit_code: ended.exit_code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: ended.stderr,
    })
}
