//! Commands run inside one of the profile's running containers through the Engine API.

use super::{StepContext, tail};
use crate::docker::exec::{ExecOutput, exec};
use crate::docker::project_snapshots;
use stack_core::model::container::RunState;

pub(super) use crate::docker::app_probe::{APP_ORIGIN, EDGE_HOST};

impl StepContext {
    /// Runs `command` in the first running container of `service`; `Ok` is its whole output,
    /// a non-zero exit an error carrying the command's own message.
    pub(super) async fn exec_in(&self, service: &str, command: &[&str]) -> Result<String, String> {
        let (id, name) = self.running(service).await?;
        self.exec_in_container(&id, &name, command).await
    }

    /// The id and name of the first running container of `service`.
    pub(super) async fn running(&self, service: &str) -> Result<(String, String), String> {
        let project = &self.compose.profile().project;
        let snapshots = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?;
        snapshots
            .into_iter()
            .find(|snapshot| snapshot.service == service && snapshot.state == RunState::Running)
            .map(|container| (container.id, container.name))
            .ok_or_else(|| format!("no running {service} container in {project}"))
    }

    /// Runs `command` in the container `id` (`name` is for messages), as [`Self::exec_in`].
    pub(super) async fn exec_in_container(
        &self,
        id: &str,
        name: &str,
        command: &[&str],
    ) -> Result<String, String> {
        exec(&self.docker, id, name, command)
            .await
            .and_then(succeeded)
    }
}

/// A command's output when it exited 0, else an error with its last lines and exit code.
pub(super) fn succeeded(answer: ExecOutput) -> Result<String, String> {
    match answer.exit_code {
        Some(0) => Ok(answer.output),
        code => Err(format!(
            "{} (exit {})",
            tail(&answer.output),
            code.map_or("unknown".to_string(), |code| code.to_string())
        )),
    }
}
