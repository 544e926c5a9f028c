//! The dashboard's readiness probes: every replica the app asks for (the running app replicas)
//! is probed every [`PROBE_EVERY`], never twice at once, each probe bounded
//! ([`super::app_probe::READINESS_TIMEOUT`]). They live in the worker's session, so they stop
//! with it (dashboard closed, daemon gone) and start again on reconnect.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bollard::Docker;
use stack_core::model::readiness::Readiness;
use tokio::task::{Id, JoinSet};

use super::app_probe;

/// How often each replica is probed: often enough that a broken dependency shows within a few
/// seconds, rarely enough that the execs cost nothing worth measuring.
pub(super) const PROBE_EVERY: Duration = Duration::from_secs(3);

#[derive(Default)]
pub(super) struct ReadinessProbes {
    running: JoinSet<Readiness>,
    /// The replica each running probe is for.
    in_flight: HashMap<Id, String>,
}

impl ReadinessProbes {
    /// Starts a probe of every wanted replica that has none running (`names` for messages).
    pub fn start_due(
        &mut self,
        docker: &Docker,
        wanted: &HashSet<String>,
        names: &HashMap<String, String>,
    ) {
        let busy: HashSet<&String> = self.in_flight.values().collect();
        let due: Vec<String> = wanted
            .iter()
            .filter(|id| !busy.contains(id))
            .cloned()
            .collect();
        for id in due {
            let docker = docker.clone();
            let name = names.get(&id).cloned().unwrap_or_else(|| id.clone());
            let container = id.clone();
            let task = self
                .running
                .spawn(async move { app_probe::readiness(&docker, &container, &name).await });
            self.in_flight.insert(task.id(), id);
        }
    }

    /// The next answer; pending forever while nothing runs (for `select!`).
    pub async fn next(&mut self) -> (String, Readiness) {
        loop {
            match self.running.join_next_with_id().await {
                Some(Ok((task, readiness))) => {
                    if let Some(id) = self.in_flight.remove(&task) {
                        return (id, readiness);
                    }
                }
                // Only a bug panics a probe: the next tick probes that replica again.
                Some(Err(err)) => {
                    tracing::warn!(%err, "readiness probe task failed");
                    self.in_flight.remove(&err.id());
                }
                None => std::future::pending::<()>().await,
            }
        }
    }
}
