//! The dashboard's readiness probes: every replica the app asks for (the running app replicas)
//! is probed every [`PROBE_EVERY`], never twice at once, each probe bounded
//! ([`super::app_probe::READINESS_TIMEOUT`]). They live in the worker's session, so they stop
//! with it (dashboard closed, daemon gone) and start again on reconnect.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bollard::Docker;
use stack_core::model::readiness::Readiness;

use super::app_probe;
use super::replica_tasks::ReplicaTasks;

/// How often each replica is probed: often enough that a broken dependency shows within a few
/// seconds, rarely enough that the execs cost nothing worth measuring.
pub(super) const PROBE_EVERY: Duration = Duration::from_secs(3);

pub(super) type ReadinessProbes = ReplicaTasks<Readiness>;

/// Starts a probe of every wanted replica that has none running (`names` for messages).
pub(super) fn start_due(
    probes: &mut ReadinessProbes,
    docker: &Docker,
    wanted: &HashSet<String>,
    names: &HashMap<String, String>,
) {
    probes.start_due(wanted, names, |id, name| {
        let docker = docker.clone();
        async move { app_probe::readiness(&docker, &id, &name).await }
    });
}
