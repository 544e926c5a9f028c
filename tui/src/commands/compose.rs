//! `stack-tui compose -- ARGS`: docker compose with the profile's files, env files and project
//! name, so running compose by hand needs no flags to remember.

use crate::compose::{Compose, detect_version};
use stack_core::model::Layout;

/// Compose subcommands that change nothing, allowed under `--readonly`.
const READ_ONLY_SUBCOMMANDS: [&str; 9] = [
    "config", "events", "images", "logs", "ls", "port", "ps", "top", "version",
];

/// The compose subcommand in `args`: the first word that is not an option. Options that take a
/// value (`--ansi never ps`) make the value look like the subcommand, which read-only mode then
/// refuses: the safe side.
fn subcommand(args: &[String]) -> Option<&str> {
    args.iter()
        .map(String::as_str)
        .find(|arg| !arg.starts_with('-'))
}

/// Whether `args` may run in read-only mode.
pub fn allowed_when_readonly(args: &[String]) -> bool {
    subcommand(args).is_some_and(|sub| READ_ONLY_SUBCOMMANDS.contains(&sub))
}

/// Runs compose for `profile` and returns its exit code.
pub async fn compose(
    layout: &Layout,
    profile: &str,
    args: &[String],
    readonly: bool,
) -> anyhow::Result<i32> {
    let compose = Compose::new(layout.profile(profile)?);
    if readonly && !allowed_when_readonly(args) {
        anyhow::bail!(
            "--readonly: `docker compose {}` may change containers. Read-only subcommands: {}",
            args.join(" "),
            READ_ONLY_SUBCOMMANDS.join(", ")
        );
    }
    detect_version().await?;
    Ok(compose.passthrough(args).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn read_only_subcommands_pass_and_the_rest_is_refused() {
        assert!(allowed_when_readonly(&args("ps -a")));
        assert!(allowed_when_readonly(&args(
            "--compatibility config --services"
        )));
        assert!(allowed_when_readonly(&args("logs -f app")));
        assert!(!allowed_when_readonly(&args("down -v")));
        assert!(!allowed_when_readonly(&args("exec app sh")));
        assert!(!allowed_when_readonly(&args("--ansi never ps")));
        assert!(!allowed_when_readonly(&args("--dry-run")));
    }
}
