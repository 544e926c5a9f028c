use std::path::PathBuf;

/// Every variant says what went wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(
        "only Docker Compose v1 ({version}) is installed; it is end-of-life and cannot run this stack. \
         Fix: install the Compose v2 plugin so that `docker compose version` works"
    )]
    V1Only { version: String },
    #[error(
        "Docker Compose v2 was not found (`docker compose version`: {detail}). \
         Fix: install the Compose v2 plugin (docker-compose-plugin, or the static binary in \
         /usr/local/lib/docker/cli-plugins/)"
    )]
    Missing { detail: String },
    #[error("unknown profile {name:?}: {root} has {known}. Fix: pass --profile with one of those")]
    UnknownProfile {
        name: String,
        root: String,
        known: String,
    },
    #[error(
        "no compose project under {root}: expected compose/compose.yaml and <profile>/compose.yaml. \
         Fix: pass --root with the project's directory"
    )]
    NoProject { root: PathBuf },
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error(
        "cannot run `{command}`: {source}. Fix: make sure the docker CLI is installed and on PATH"
    )]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`docker compose config` printed something that is not the expected JSON: {0}")]
    BadModel(String),
}
