//! Connecting to the daemon, with errors that say which socket was tried and how to fix it.

use bollard::Docker;
use std::time::Duration;

/// A daemon that accepts the connection but never answers must not hang the CLI.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error(
        "Docker is unreachable at {host}: {reason}. Fix: start the Docker daemon (dockerd), or set \
         DOCKER_HOST to a daemon that is running"
    )]
    Unreachable { host: String, reason: String },
    #[error("Docker API call failed: {0}")]
    Api(#[from] bollard::errors::Error),
}

/// The address bollard will use, for messages: `DOCKER_HOST` or the default socket.
pub fn describe_host() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(host) if !host.is_empty() => format!("{host} (from DOCKER_HOST)"),
        _ => "unix:///var/run/docker.sock (the default socket; DOCKER_HOST is not set)".to_string(),
    }
}

fn unreachable(reason: impl ToString) -> DockerError {
    DockerError::Unreachable {
        host: describe_host(),
        reason: reason.to_string(),
    }
}

/// Connects and negotiates the API version (the engine here speaks 1.41; bollard defaults newer).
pub async fn connect() -> Result<Docker, DockerError> {
    let docker = Docker::connect_with_defaults().map_err(unreachable)?;
    match tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version()).await {
        Ok(Ok(docker)) => Ok(docker),
        Ok(Err(err)) => Err(unreachable(err)),
        Err(_) => Err(unreachable(format!(
            "no answer within {}s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}
