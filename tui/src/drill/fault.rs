//! Putting a fault in and taking it out: SIGKILL of a container's main process from the host,
//! `docker pause`/`unpause`, and the guard that heals on every way out of a drill (error,
//! ctrl-c, panic), saying loudly what to run when healing itself fails.

use anyhow::{Context, bail};
use bollard::Docker;
use bollard::query_parameters::{
    InspectContainerOptions, RemoveContainerOptionsBuilder, StartContainerOptions,
};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often the engine is asked while waiting for a container to change.
const POLL: Duration = Duration::from_millis(100);

/// The container a fault hits.
#[derive(Debug, Clone)]
pub struct Victim {
    pub id: String,
    pub name: String,
}

/// What the engine says about a container now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub pid: i64,
    pub running: bool,
    pub paused: bool,
    pub started_at: String,
    /// `healthy`, `starting`, `unhealthy`, or empty without a healthcheck.
    pub health: String,
}

impl State {
    /// Running, not paused, and healthy by its healthcheck (or without one).
    pub fn is_healthy(&self) -> bool {
        self.running && !self.paused && matches!(self.health.as_str(), "healthy" | "" | "none")
    }
}

pub async fn state(docker: &Docker, victim: &Victim) -> anyhow::Result<State> {
    let inspected = docker
        .inspect_container(&victim.id, None::<InspectContainerOptions>)
        .await
        .with_context(|| format!("cannot inspect {}", victim.name))?;
    let state = inspected.state.unwrap_or_default();
    Ok(State {
        pid: state.pid.unwrap_or(0),
        running: state.running.unwrap_or(false),
        paused: state.paused.unwrap_or(false),
        started_at: state.started_at.unwrap_or_default(),
        health: state
            .health
            .and_then(|h| h.status)
            .map(|s| s.to_string())
            .unwrap_or_default(),
    })
}

/// SIGKILL to the container's main process, from this host. The process dies without the
/// engine asking, so the container's restart policy applies (after `docker kill` it would not:
/// the engine treats that as a deliberate stop).
pub async fn kill_main_process(docker: &Docker, victim: &Victim) -> anyhow::Result<State> {
    let before = state(docker, victim).await?;
    if !before.running || before.pid <= 0 {
        bail!("{} is not running", victim.name);
    }
    if !Path::new(&format!("/proc/{}", before.pid)).exists() {
        bail!(
            "process {} of {} is not visible on this host (does the engine run in a VM?): \
             kill drills need the engine of this machine",
            before.pid,
            victim.name
        );
    }
    let pid = i32::try_from(before.pid).context("the engine reported a PID out of range")?;
    kill(Pid::from_raw(pid), Signal::SIGKILL).with_context(|| {
        format!(
            "cannot kill process {pid} of {} (drills that kill need root, or the user the \
             container's process runs as)",
            victim.name
        )
    })?;
    Ok(before)
}

pub async fn pause(docker: &Docker, victim: &Victim) -> anyhow::Result<()> {
    docker
        .pause_container(&victim.id)
        .await
        .with_context(|| format!("cannot pause {}", victim.name))
}

/// Waits until the container runs again under a new start time (the restart policy brought it
/// back); returns how long that took from `since`, or `None` at the deadline.
pub async fn wait_restarted(
    docker: &Docker,
    victim: &Victim,
    before: &State,
    since: Instant,
    within: Duration,
) -> anyhow::Result<Option<Duration>> {
    loop {
        let now = state(docker, victim).await?;
        if now.running && now.started_at != before.started_at {
            return Ok(Some(since.elapsed()));
        }
        if since.elapsed() >= within {
            return Ok(None);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until the container runs and its healthcheck (if any) says healthy.
pub async fn wait_healthy(
    docker: &Docker,
    victim: &Victim,
    within: Duration,
) -> anyhow::Result<bool> {
    let deadline = Instant::now() + within;
    loop {
        let now = state(docker, victim).await?;
        if now.is_healthy() {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// What undoes a drill's fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// `docker unpause`.
    Unpause,
    /// The restart policy should have brought it back; `docker start` if it has not.
    EnsureRunning,
    /// `docker network connect` to `network` under the same aliases.
    Reconnect {
        network: String,
        aliases: Vec<String>,
    },
    /// A command run inside the container (`docker exec`), e.g. psql ending a session.
    Exec { command: Vec<String> },
    /// The container removed (the edge drills' second client).
    Remove,
}

impl Remedy {
    /// The docker CLI arguments that apply the remedy to `victim`.
    fn cli_args(&self, victim: &Victim) -> Vec<String> {
        let mut args = crate::docker::command::pinned_args();
        match self {
            Self::Unpause => args.extend(["unpause".into(), victim.name.clone()]),
            Self::EnsureRunning => args.extend(["start".into(), victim.name.clone()]),
            Self::Reconnect { network, aliases } => {
                args.extend(["network".into(), "connect".into()]);
                for alias in aliases {
                    args.extend(["--alias".into(), alias.clone()]);
                }
                args.extend([network.clone(), victim.name.clone()]);
            }
            Self::Exec { command } => {
                args.extend(["exec".into(), victim.name.clone()]);
                args.extend(command.iter().cloned());
            }
            Self::Remove => args.extend(["rm".into(), "-f".into(), victim.name.clone()]),
        }
        args
    }

    /// The command a person runs when stack-tui could not heal.
    pub fn command(&self, victim: &Victim) -> String {
        std::iter::once("docker".to_string())
            .chain(self.cli_args(victim).iter().map(|arg| shell_quoted(arg)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether the docker CLI's failure still means the fault is gone.
    fn already_healed(&self, stderr: &str) -> bool {
        match self {
            Self::Unpause => stderr.contains("is not paused"),
            Self::Reconnect { .. } => stderr.contains("already exists in network"),
            Self::Remove => stderr.contains("No such container"),
            Self::EnsureRunning | Self::Exec { .. } => false,
        }
    }
}

/// `arg` as a POSIX shell reads it back: plain words as they are, anything else single-quoted.
fn shell_quoted(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Heals when dropped unless [`HealGuard::heal`] ran: the last resort for a panic, run with the
/// docker CLI because a drop cannot wait on the async client.
pub struct HealGuard {
    pending: Option<(Remedy, Victim)>,
}

impl HealGuard {
    pub fn arm(remedy: Remedy, victim: Victim) -> Self {
        Self {
            pending: Some((remedy, victim)),
        }
    }

    /// Applies the remedy; the error says what is still broken and the command that fixes it.
    pub async fn heal(mut self, docker: &Docker) -> Result<(), String> {
        let Some((remedy, victim)) = self.pending.take() else {
            return Ok(());
        };
        let fix = remedy.command(&victim);
        let failed = |what: String| format!("{what}. Recover with: {fix}");
        if remedy == Remedy::Remove {
            let force = RemoveContainerOptionsBuilder::default().force(true).build();
            return match docker.remove_container(&victim.id, Some(force)).await {
                Ok(()) => Ok(()),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => Ok(()),
                Err(err) => Err(failed(format!("{} is still there: {err}", victim.name))),
            };
        }
        let now = state(docker, &victim)
            .await
            .map_err(|err| failed(format!("{err:#}")))?;
        match &remedy {
            Remedy::Unpause if now.paused => docker
                .unpause_container(&victim.id)
                .await
                .map_err(|err| failed(format!("{} is still paused: {err}", victim.name))),
            Remedy::EnsureRunning if !now.running => docker
                .start_container(&victim.id, None::<StartContainerOptions>)
                .await
                .map_err(|err| failed(format!("{} is not running: {err}", victim.name))),
            Remedy::Reconnect { network, aliases } => {
                super::network::reconnect(docker, &victim, network, aliases)
                    .await
                    .map_err(|err| failed(format!("{err:#}")))
            }
            Remedy::Exec { command } => {
                let command: Vec<&str> = command.iter().map(String::as_str).collect();
                crate::docker::exec::output(docker, &victim.id, &victim.name, &command)
                    .await
                    .map(drop)
                    .map_err(|err| failed(format!("{err:#}")))
            }
            _ => Ok(()),
        }
    }
}

impl Drop for HealGuard {
    fn drop(&mut self) {
        let Some((remedy, victim)) = self.pending.take() else {
            return;
        };
        let done = std::process::Command::new("docker")
            .args(remedy.cli_args(&victim))
            .output();
        let healed = done.as_ref().is_ok_and(|out| {
            out.status.success() || remedy.already_healed(&String::from_utf8_lossy(&out.stderr))
        });
        if healed {
            eprintln!("stack-tui drill: healed {} on the way out", victim.name);
        } else {
            eprintln!(
                "stack-tui drill: !!! HEAL FAILED: {} may still be broken. Recover with: {}",
                victim.name,
                remedy.command(&victim)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_reads_back_as_the_same_words() {
        assert_eq!(shell_quoted("stack-local-app-1"), "stack-local-app-1");
        assert_eq!(shell_quoted("a b"), "'a b'");
        assert_eq!(shell_quoted("name = 'x'"), r"'name = '\''x'\'''");
        assert_eq!(shell_quoted(""), "''");
    }
}
