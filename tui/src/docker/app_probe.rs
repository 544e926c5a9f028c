//! Probes of an app replica from inside it, with edge-host's own `healthcheck` subcommand (the
//! image has no other HTTP client and the app's port is not published). Rollouts use it to decide
//! when a new replica may take traffic; the dashboard and `status` to show readiness.

use std::time::Duration;

use bollard::Docker;
use stack_core::model::readiness::{
    READY_PATH, REPORT_PATH, Readiness, ReadyCheck, not_ready_from_report, read_ready_check,
};

use super::exec::{ExecOutput, exec};

/// edge-host inside the app image; its `healthcheck` is the image's only HTTP client.
pub const EDGE_HOST: &str = "/usr/local/bin/edge-host";
/// The app as seen from inside its own container.
pub const APP_ORIGIN: &str = "http://127.0.0.1:3000";
/// A readiness probe's bound. Longer than the app's own bound on a dependency (a statement or
/// a connect: 1 s in the stack), so a stalled Postgres comes back as the app's 503 naming it,
/// not as a probe that gave up first.
pub const READINESS_TIMEOUT: Duration = Duration::from_millis(2000);
/// The exec round trips on top of the request's own bound, for a daemon that stops answering.
const EXEC_SLACK: Duration = Duration::from_secs(2);

/// `edge-host healthcheck [--print-body] --timeout-ms T APP_ORIGIN+path` in the container `id`.
pub async fn healthcheck(
    docker: &Docker,
    id: &str,
    name: &str,
    path: &str,
    timeout: Duration,
    print_body: bool,
) -> Result<ExecOutput, String> {
    let url = format!("{APP_ORIGIN}{path}");
    let timeout_ms = timeout.as_millis().to_string();
    let mut command = vec![EDGE_HOST, "healthcheck", "--timeout-ms", &timeout_ms];
    if print_body {
        command.push("--print-body");
    }
    command.push(&url);
    tokio::time::timeout(timeout + EXEC_SLACK, exec(docker, id, name, &command))
        .await
        .map_err(|_| {
            format!(
                "the probe in {name} did not end within {} s",
                (timeout + EXEC_SLACK).as_secs()
            )
        })?
}

/// One readiness probe of the replica `id`: `/health/ready`, and when the app refuses, its
/// dependency report for the reason (edge-host's healthcheck drops a refusal's body).
pub async fn readiness(docker: &Docker, id: &str, name: &str) -> Readiness {
    let check = match healthcheck(docker, id, name, READY_PATH, READINESS_TIMEOUT, false).await {
        Ok(answer) => read_ready_check(answer.exit_code, &answer.output),
        Err(why) => ReadyCheck::Failed(why),
    };
    match check {
        ReadyCheck::Ready => Readiness::Ready,
        ReadyCheck::Failed(reason) => Readiness::NotReady { reason },
        ReadyCheck::Refused(status) => {
            let report = healthcheck(docker, id, name, REPORT_PATH, READINESS_TIMEOUT, true).await;
            let body = match &report {
                Ok(answer) if answer.exit_code == Some(0) => Ok(answer.output.as_str()),
                Ok(answer) => Err(answer.output.trim()),
                Err(why) => Err(why.as_str()),
            };
            not_ready_from_report(&status, body)
        }
    }
}
