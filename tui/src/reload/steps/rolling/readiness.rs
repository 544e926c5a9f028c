//! Whether a new replica may take traffic, decided by stack-tui instead of Docker's healthcheck
//! (Engine 20.10 has no `start_interval`, so the first probe comes one 5 s interval after start).
//! edge-host's own `healthcheck` runs inside the replica every [`PROBE_EVERY`]: first
//! `/health/ready` (Redis and Postgres answer), then one read-only API request, so a component
//! that compiles but fails on `/api/*` never replaces a working one.

use std::time::Duration;

use bollard::query_parameters::InspectContainerOptions;
use stack_core::model::container::{ContainerSnapshot, RunState};
use tokio::time::Instant;

use super::super::StepContext;
use super::super::exec::succeeded;
use crate::docker::{app_probe, convert};
use stack_core::model::readiness::READY_PATH;

const PROBE_EVERY: Duration = Duration::from_millis(150);
/// A new replica must be ready within this; edge-host loads a precompiled component in well
/// under a second, so this only bounds a replica that cannot reach its dependencies.
pub(super) const READY_WITHIN: Duration = Duration::from_secs(30);
/// Each probe's own bound, so a hung replica does not stall the loop.
const PROBE_TIMEOUT: Duration = Duration::from_millis(1000);
/// Read-only, touches Postgres through the app's own code path.
const API_PATH: &str = "/api/items?per_page=1";
/// A ready replica gets this many tries at the API request: a broken component fails them all.
const API_TRIES: u32 = 3;

impl StepContext {
    /// Returns how long `container` took to be ready, or why it is not.
    pub(super) async fn wait_ready(
        &self,
        container: &ContainerSnapshot,
    ) -> Result<Duration, String> {
        let started = Instant::now();
        let deadline = started + READY_WITHIN;
        loop {
            self.still_running(container).await?;
            let last = match self.probe(container, READY_PATH).await {
                Ok(()) => {
                    self.api_answers(container).await?;
                    return Ok(started.elapsed());
                }
                Err(why) => why,
            };
            if Instant::now() >= deadline {
                return Err(format!(
                    "new replica {} not ready within {} s: {last}",
                    container.name,
                    READY_WITHIN.as_secs()
                ));
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }

    /// The read-only API request, which a ready replica must answer with 2xx.
    async fn api_answers(&self, container: &ContainerSnapshot) -> Result<(), String> {
        let mut last = String::new();
        for attempt in 1..=API_TRIES {
            match self.probe(container, API_PATH).await {
                Ok(()) => return Ok(()),
                Err(why) => last = why,
            }
            if attempt < API_TRIES {
                tokio::time::sleep(PROBE_EVERY).await;
            }
        }
        Err(format!(
            "new replica {} is ready but fails its API: {last}",
            container.name
        ))
    }

    async fn probe(&self, container: &ContainerSnapshot, path: &str) -> Result<(), String> {
        app_probe::healthcheck(
            &self.docker,
            &container.id,
            &container.name,
            path,
            PROBE_TIMEOUT,
            false,
        )
        .await
        .and_then(succeeded)
        .map(drop)
    }

    /// Fails at once when the replica has stopped (a crash on start), with its exit code.
    async fn still_running(&self, container: &ContainerSnapshot) -> Result<(), String> {
        let current = self
            .docker
            .inspect_container(&container.id, None::<InspectContainerOptions>)
            .await
            .map(convert::container)
            .map_err(|err| format!("cannot inspect {}: {err}", container.name))?;
        if current.state == RunState::Running {
            return Ok(());
        }
        Err(format!(
            "new replica {} stopped ({}{})",
            container.name,
            current.state.as_str(),
            current
                .exit_code
                .map(|code| format!(", exit {code}"))
                .unwrap_or_default()
        ))
    }
}
