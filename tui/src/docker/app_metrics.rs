//! The Metrics panel's scrapes of each app replica's `/metrics`. edge-host's admin listener is
//! bound to 127.0.0.1:9090 inside its container and never published, so the scrape runs there:
//! edge-host's own `healthcheck --print-body` through the Engine API, as the readiness probes
//! do. Every [`SCRAPE_EVERY`], one scrape per replica at a time, only for the replicas the app
//! names (it names none unless the Metrics or Topology panel is on screen, so an idle dashboard
//! on another panel makes no exec at all).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bollard::Docker;

use super::app_probe::EDGE_HOST;
use super::exec::exec;
use super::replica_tasks::ReplicaTasks;

/// Often enough that a burst of errors shows within a couple of seconds.
pub(super) const SCRAPE_EVERY: Duration = Duration::from_secs(2);
/// edge-host's admin listener as seen from inside its container (compose/images/app/Dockerfile).
const METRICS_URL: &str = "http://127.0.0.1:9090/metrics";
const SCRAPE_TIMEOUT: Duration = Duration::from_millis(1500);
/// The exec round trips on top of the request's own bound.
const EXEC_SLACK: Duration = Duration::from_secs(2);

/// One scrape of the replica `id`: the metrics text, or why there is none.
async fn scrape(docker: &Docker, id: &str, name: &str) -> Result<String, String> {
    let timeout_ms = SCRAPE_TIMEOUT.as_millis().to_string();
    let command = [
        EDGE_HOST,
        "healthcheck",
        "--timeout-ms",
        &timeout_ms,
        "--print-body",
        METRICS_URL,
    ];
    let answer = tokio::time::timeout(
        SCRAPE_TIMEOUT + EXEC_SLACK,
        exec(docker, id, name, &command),
    )
    .await
    .map_err(|_| format!("the metrics scrape in {name} did not end"))??;
    if answer.exit_code == Some(0) {
        Ok(answer.output)
    } else {
        Err(format!(
            "metrics scrape in {name} failed (exit {:?}): {}",
            answer.exit_code,
            answer.output.trim()
        ))
    }
}

pub(super) type MetricsScrapes = ReplicaTasks<Result<String, String>>;

/// Starts a scrape of every wanted replica that has none running (`names` for messages).
pub(super) fn start_due(
    scrapes: &mut MetricsScrapes,
    docker: &Docker,
    wanted: &HashSet<String>,
    names: &HashMap<String, String>,
) {
    scrapes.start_due(wanted, names, |id, name| {
        let docker = docker.clone();
        async move { scrape(&docker, &id, &name).await }
    });
}
