//! Plain data the dashboard and the CLI share about containers, owned and free of bollard types.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The label that marks a service which runs to completion (a migration job) instead of
/// running on: its container exiting 0 is success, not a service down.
pub const ONE_SHOT_LABEL: &str = "stack-tui.one-shot";

/// Whether a label value marks a one-shot (`stack-tui.one-shot: "true"`).
pub fn is_one_shot_label(value: Option<&str>) -> bool {
    value.is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// A container's lifecycle state as the Engine API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Running,
    Restarting,
    Paused,
    Created,
    Removing,
    Exited,
    Dead,
    Unknown,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Restarting => "restarting",
            Self::Paused => "paused",
            Self::Created => "created",
            Self::Removing => "removing",
            Self::Exited => "exited",
            Self::Dead => "dead",
            Self::Unknown => "unknown",
        }
    }
}

/// Healthcheck verdict; `None` means the container has no healthcheck.
/// Ordered from best to worst so a service shows its worst replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    None,
    Healthy,
    Starting,
    Unhealthy,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "-",
            Self::Healthy => "healthy",
            Self::Starting => "starting",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// One healthcheck run as recorded by the engine (it keeps the last five).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub start: String,
    pub end: String,
    pub exit_code: i64,
    pub output: String,
}

/// A port the engine actually published on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct PublishedPort {
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

impl PublishedPort {
    pub fn label(&self) -> String {
        format!(
            "{}:{}->{}",
            self.host_ip, self.host_port, self.container_port
        )
    }
}

/// A container's attachment to a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub network: String,
    pub address: String,
}

/// Everything the dashboard knows about one container, refreshed by one inspect per change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerSnapshot {
    pub id: String,
    pub name: String,
    pub service: String,
    pub project: String,
    pub image: String,
    /// What the service is, from its `stack-tui.role` label (`app`, `cache`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Runs to completion (see [`ONE_SHOT_LABEL`]).
    pub one_shot: bool,
    pub state: RunState,
    pub health: Health,
    pub exit_code: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub restart_count: i64,
    /// The kernel killed its process for reaching the memory limit (`State.OOMKilled`).
    pub oom_killed: bool,
    /// Healthcheck runs failed in a row (`State.Health.FailingStreak`).
    pub failing_streak: i64,
    pub ports: Vec<PublishedPort>,
    pub probes: Vec<Probe>,
    pub networks: Vec<Attachment>,
}

impl ContainerSnapshot {
    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }

    pub fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running | RunState::Restarting)
    }

    /// A running replica of the app: it gets readiness probes beside Docker's healthcheck.
    pub fn is_running_app(&self) -> bool {
        self.state == RunState::Running && self.role.as_deref() == Some(super::compose::APP_ROLE)
    }

    /// A one-shot that did its work: exited with status 0.
    pub fn completed(&self) -> bool {
        self.one_shot && self.state == RunState::Exited && self.exit_code == Some(0)
    }

    /// This container as the engine reports it once its process has ended: exited, and a
    /// healthcheck verdict of unhealthy (the engine marks a stopped container so).
    pub fn exited(&self, exit_code: Option<i64>) -> Self {
        Self {
            state: RunState::Exited,
            health: match self.health {
                Health::None => Health::None,
                _ => Health::Unhealthy,
            },
            exit_code: exit_code.or(self.exit_code),
            ..self.clone()
        }
    }
}

/// A network of the watched project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkSnapshot {
    /// The engine's name, e.g. `stack-local_backend`.
    pub name: String,
    /// The name in the compose file, e.g. `backend` (from the compose label).
    pub compose_name: String,
    pub internal: bool,
    pub driver: String,
}

/// Resource usage computed from two consecutive stats samples.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StatsSample {
    pub cpu_percent: f64,
    pub memory_bytes: u64,
    pub memory_limit: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(health: Health) -> ContainerSnapshot {
        ContainerSnapshot {
            id: "0123456789abcdef".into(),
            name: "stack-local-redis-1".into(),
            service: "redis".into(),
            project: "stack-local".into(),
            image: "redis".into(),
            role: Some("cache".into()),
            one_shot: false,
            state: RunState::Running,
            health,
            exit_code: None,
            started_at: None,
            restart_count: 0,
            oom_killed: false,
            failing_streak: 0,
            ports: Vec::new(),
            probes: Vec::new(),
            networks: Vec::new(),
        }
    }

    #[test]
    fn exited_keeps_identity_and_takes_the_exit_code() {
        let died = running(Health::Healthy).exited(Some(137));
        assert_eq!(died.state, RunState::Exited);
        assert_eq!(died.exit_code, Some(137));
        assert_eq!(died.health, Health::Unhealthy);
        assert_eq!(died.name, "stack-local-redis-1");
        assert!(!died.is_running());
        assert_eq!(running(Health::None).exited(None).health, Health::None);
    }

    #[test]
    fn only_running_app_replicas_get_readiness_probes() {
        let app = ContainerSnapshot {
            role: Some("app".into()),
            ..running(Health::Healthy)
        };
        assert!(app.is_running_app());
        assert!(!running(Health::Healthy).is_running_app(), "redis");
        let paused = ContainerSnapshot {
            state: RunState::Paused,
            ..app.clone()
        };
        assert!(
            !paused.is_running_app(),
            "a paused replica cannot be probed"
        );
        assert!(!app.exited(Some(0)).is_running_app());
    }

    #[test]
    fn only_a_one_shot_that_exited_zero_completed() {
        let job = ContainerSnapshot {
            one_shot: true,
            ..running(Health::None)
        };
        assert!(!job.completed(), "still running");
        assert!(job.exited(Some(0)).completed());
        assert!(!job.exited(Some(1)).completed(), "a failed job");
        assert!(
            !running(Health::None).exited(Some(0)).completed(),
            "not a one-shot"
        );
        assert!(is_one_shot_label(Some("true")) && is_one_shot_label(Some("True")));
        assert!(!is_one_shot_label(Some("false")) && !is_one_shot_label(None));
    }
}
