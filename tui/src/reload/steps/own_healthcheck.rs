//! After a restart, a service counts as back only when its own healthcheck passes. Docker would
//! first run it one full interval after the start (Engine 20.10 has no `start_interval`), so the
//! check's command is run inside the container right away, and then every [`PROBE_EVERY`].

use std::time::Duration;

use bollard::query_parameters::InspectContainerOptions;
use stack_core::model::container::RunState;
use tokio::time::Instant;

use super::StepContext;
use crate::docker::project_snapshots;

const PROBE_EVERY: Duration = Duration::from_millis(150);
const BACK_WITHIN: Duration = Duration::from_secs(60);

impl StepContext {
    /// Waits until every running container of `service` passes its own healthcheck (or, without
    /// one, is running); returns how long that took.
    pub(super) async fn wait_healthcheck_passes(&self, service: &str) -> Result<Duration, String> {
        let started = Instant::now();
        let project = &self.compose.profile().project;
        let containers: Vec<_> = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?
            .into_iter()
            .filter(|snapshot| snapshot.service == service && !snapshot.one_shot)
            .collect();
        for container in &containers {
            let check = self.healthcheck_command(&container.id).await?;
            loop {
                let last = match self.probe_once(container, check.as_deref()).await {
                    Ok(()) => break,
                    Err(why) => why,
                };
                if started.elapsed() >= BACK_WITHIN {
                    return Err(format!(
                        "{} did not pass its healthcheck within {} s after the restart: {last}",
                        container.name,
                        BACK_WITHIN.as_secs()
                    ));
                }
                tokio::time::sleep(PROBE_EVERY).await;
            }
        }
        Ok(started.elapsed())
    }

    async fn probe_once(
        &self,
        container: &stack_core::model::container::ContainerSnapshot,
        check: Option<&[String]>,
    ) -> Result<(), String> {
        let inspected = self
            .docker
            .inspect_container(&container.id, None::<InspectContainerOptions>)
            .await
            .map(crate::docker::convert::container)
            .map_err(|err| format!("cannot inspect {}: {err}", container.name))?;
        if inspected.state != RunState::Running {
            return Err(format!(
                "{} is {}",
                container.name,
                inspected.state.as_str()
            ));
        }
        let Some(check) = check else {
            return Ok(());
        };
        let command: Vec<&str> = check.iter().map(String::as_str).collect();
        self.exec_in_container(&container.id, &container.name, &command)
            .await
            .map(drop)
    }

    /// The container's healthcheck as a command to exec, `None` when it has none.
    async fn healthcheck_command(&self, id: &str) -> Result<Option<Vec<String>>, String> {
        let inspected = self
            .docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(|err| format!("cannot inspect {id}: {err}"))?;
        let test = inspected
            .config
            .and_then(|config| config.healthcheck)
            .and_then(|healthcheck| healthcheck.test)
            .unwrap_or_default();
        Ok(exec_form(&test))
    }
}

/// Docker's `Healthcheck.Test` as an exec command: `["CMD", args…]` runs the arguments,
/// `["CMD-SHELL", line]` runs the line with `sh -c`; `["NONE"]` or nothing is no check.
fn exec_form(test: &[String]) -> Option<Vec<String>> {
    match test.split_first() {
        Some((kind, args)) if kind == "CMD" && !args.is_empty() => Some(args.to_vec()),
        Some((kind, [line])) if kind == "CMD-SHELL" => {
            Some(vec!["sh".into(), "-c".into(), line.clone()])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|part| part.to_string()).collect()
    }

    #[test]
    fn docker_test_forms_become_exec_commands() {
        assert_eq!(
            exec_form(&strings(&["CMD", "pg_isready", "-h", "127.0.0.1"])),
            Some(strings(&["pg_isready", "-h", "127.0.0.1"]))
        );
        assert_eq!(
            exec_form(&strings(&["CMD-SHELL", "redis-cli ping | grep -q PONG"])),
            Some(strings(&["sh", "-c", "redis-cli ping | grep -q PONG"]))
        );
        for none in [&["NONE"][..], &[], &["CMD"]] {
            assert_eq!(exec_form(&strings(none)), None, "{none:?}");
        }
    }
}
