//! Commands run inside one of the profile's running containers through the Engine API.

use super::{StepContext, tail};
use crate::docker::project_snapshots;
use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;
use stack_core::model::container::RunState;

/// edge-host inside the app image; its `healthcheck` is the image's only HTTP client.
pub(super) const EDGE_HOST: &str = "/usr/local/bin/edge-host";
/// The app as seen from inside its own container.
pub(super) const APP_ORIGIN: &str = "http://127.0.0.1:3000";

impl StepContext {
    /// Runs `command` in the first running container of `service`; `Ok` is its whole output,
    /// a non-zero exit an error carrying the command's own message.
    pub(super) async fn exec_in(&self, service: &str, command: &[&str]) -> Result<String, String> {
        let project = &self.compose.profile().project;
        let snapshots = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?;
        let container = snapshots
            .iter()
            .find(|snapshot| snapshot.service == service && snapshot.state == RunState::Running)
            .ok_or_else(|| format!("no running {service} container in {project}"))?;
        self.exec_in_container(&container.id, &container.name, command)
            .await
    }

    /// Runs `command` in the container `id` (`name` is for messages), as [`Self::exec_in`].
    pub(super) async fn exec_in_container(
        &self,
        id: &str,
        name: &str,
        command: &[&str],
    ) -> Result<String, String> {
        let exec = self
            .docker
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
        let mut text = String::new();
        if let StartExecResults::Attached { mut output, .. } = self
            .docker
            .start_exec(&exec.id, None)
            .await
            .map_err(|err| format!("cannot exec in {name}: {err}"))?
        {
            while let Some(Ok(chunk)) = output.next().await {
                text.push_str(&chunk.to_string());
            }
        }
        let exit = self
            .docker
            .inspect_exec(&exec.id)
            .await
            .map_err(|err| format!("cannot read the exit code: {err}"))?
            .exit_code;
        match exit {
            Some(0) => Ok(text),
            code => Err(format!(
                "{} (exit {})",
                tail(&text),
                code.map_or("unknown".to_string(), |code| code.to_string())
            )),
        }
    }
}
