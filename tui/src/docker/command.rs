//! Every `docker` process stack-tui starts is built here, aimed at the daemon the Engine API
//! connection uses (see `endpoint`), so compose and the dashboard never talk to different ones.

use super::endpoint;
use tokio::process::Command;

/// `docker` with the global flags that pin the resolved endpoint (`--context NAME`). When the
/// endpoint cannot be resolved the CLI is left to report the same problem itself.
pub fn docker() -> Command {
    let mut command = Command::new("docker");
    command.args(pinned_args());
    command
}

/// The flags [`docker`] adds, for printing a command the way it runs.
pub fn pinned_args() -> Vec<String> {
    endpoint::current()
        .map(endpoint::Endpoint::cli_args)
        .unwrap_or_default()
}

/// `docker` choosing its daemon on its own; only for checking that it agrees with us (doctor).
pub fn docker_unpinned() -> Command {
    Command::new("docker")
}

/// Environment that points scripts running `docker` themselves (compose/prepare) at the same
/// daemon: DOCKER_CONTEXT, or DOCKER_HOST when that decided.
pub fn child_env() -> Vec<(&'static str, String)> {
    endpoint::current()
        .map(endpoint::Endpoint::child_env)
        .unwrap_or_default()
}
