//! doctor's daemon section: which endpoint stack-tui resolved and why, and whether the docker
//! CLI left to itself would reach the same one (a hand-typed `docker compose` then agrees).

use super::doctor::{Report, Verdict};
use crate::docker::command::docker_unpinned;
use crate::docker::endpoint::{ContextMeta, DEFAULT_CONTEXT, Endpoint, Source};
use std::process::Stdio;
use std::time::Duration;

/// `docker context inspect` reads local files only; anything slower is a stuck CLI.
const INSPECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) async fn endpoint_checks(report: &mut Report, endpoint: &Endpoint) {
    let place = if endpoint.is_remote() {
        "a remote daemon"
    } else {
        "local"
    };
    report.line(
        Verdict::Ok,
        format!("Docker endpoint: {} ({place})", endpoint.describe()),
    );
    for warning in &endpoint.warnings {
        report.line(Verdict::Warn, warning);
    }
    if let Some(shadowed) = &endpoint.shadowed {
        report.line(
            Verdict::Warn,
            format!(
                "DOCKER_HOST overrides context '{}' that {} selects; stack-tui and docker both use \
                 DOCKER_HOST. Fix: unset DOCKER_HOST to use the context, or select the default \
                 context (`docker context use default`, unset DOCKER_CONTEXT)",
                shadowed.context, shadowed.source
            ),
        );
    }
    match cli_current_context().await {
        Ok(cli) => {
            let (verdict, text) = compare(endpoint, &cli);
            report.line(verdict, text);
        }
        Err(reason) => report.line(
            Verdict::Warn,
            format!("cannot ask the docker CLI for its current context: {reason}"),
        ),
    }
}

/// What `docker context inspect` (no flags, so the CLI's own choice) reports.
async fn cli_current_context() -> Result<ContextMeta, String> {
    let output = docker_unpinned()
        .args(["context", "inspect"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(INSPECT_TIMEOUT, output)
        .await
        .map_err(|_| format!("no answer within {}s", INSPECT_TIMEOUT.as_secs()))?
        .map_err(|err| format!("cannot run docker: {err}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    let contexts: Vec<ContextMeta> =
        serde_json::from_slice(&output.stdout).map_err(|err| err.to_string())?;
    contexts
        .into_iter()
        .next()
        .ok_or_else(|| "it printed no context".to_string())
}

/// Agreement means the same context name (the CLI calls DOCKER_HOST's "default") and host.
fn compare(endpoint: &Endpoint, cli: &ContextMeta) -> (Verdict, String) {
    let expected_name = match endpoint.source {
        Source::DockerHost => DEFAULT_CONTEXT,
        _ => endpoint.context.as_str(),
    };
    let cli_host = cli
        .endpoints
        .docker
        .as_ref()
        .map(|docker| docker.host.as_str())
        .unwrap_or("?");
    if cli.name == expected_name && cli_host == endpoint.host {
        return (
            Verdict::Ok,
            format!(
                "docker CLI agrees: current context '{}' at {cli_host}",
                cli.name
            ),
        );
    }
    (
        Verdict::Warn,
        format!(
            "the docker CLI's current context is '{}' at {cli_host}, but stack-tui uses {}. \
             stack-tui pins its own docker/compose calls to its endpoint, but commands typed by \
             hand reach the other daemon. Fix: make DOCKER_HOST, DOCKER_CONTEXT and `docker \
             context use` agree",
            cli.name,
            endpoint.describe()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(name: &str, host: &str) -> ContextMeta {
        serde_json::from_value(serde_json::json!({
            "Name": name,
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
        }))
        .expect("meta")
    }

    fn endpoint(context: &str, source: Source, host: &str) -> Endpoint {
        Endpoint::plain(context, source, host)
    }

    #[test]
    fn the_cli_agrees_or_the_difference_is_named() {
        let colima = endpoint("colima", Source::DockerContext, "unix:///c.sock");
        assert_eq!(
            compare(&colima, &cli("colima", "unix:///c.sock")).0,
            Verdict::Ok
        );
        let (verdict, text) = compare(&colima, &cli("default", "unix:///var/run/docker.sock"));
        assert_eq!(verdict, Verdict::Warn);
        assert!(
            text.contains("'default'") && text.contains("'colima'"),
            "{text}"
        );

        // DOCKER_HOST: the CLI reports it as the default context's host.
        let host = endpoint("DOCKER_HOST", Source::DockerHost, "tcp://127.0.0.1:2375");
        assert_eq!(
            compare(&host, &cli("default", "tcp://127.0.0.1:2375")).0,
            Verdict::Ok
        );
    }
}
