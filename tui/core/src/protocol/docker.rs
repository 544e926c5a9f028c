//! The messages between the dashboard and the Docker worker: what the app asks, what the worker
//! answers. The worker itself (the only Engine API user) lives in the stack-tui crate.

use crate::logs::LogLine;
use crate::model::container::{ContainerSnapshot, NetworkSnapshot, StatsSample};
use crate::model::readiness::Readiness;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleOp {
    Start,
    Stop,
    Restart,
}

impl LifecycleOp {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Restart => "restart",
        }
    }
}

/// Requests from the app to the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerCommand {
    /// Follow this compose project (containers, networks, logs); replaces the previous one.
    Watch { project: String },
    /// Stream stats only for these containers (what is on screen).
    Visible(Vec<String>),
    /// Probe the readiness of these containers (the running app replicas) every few seconds;
    /// empty stops probing.
    Readiness(Vec<String>),
    Lifecycle {
        op: LifecycleOp,
        containers: Vec<String>,
        label: String,
    },
    /// Count running/total containers for these projects (the profiles panel).
    ProfileStates(Vec<String>),
    /// Scrape these app replicas' `/metrics` every few seconds (while the Metrics or Topology
    /// panel is on screen); empty stops scraping.
    AppMetrics(Vec<String>),
}

/// A Docker event worth showing in the activity panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEvent {
    /// Unix seconds.
    pub time: i64,
    pub kind: String,
    pub action: String,
    pub subject: String,
}

/// What the worker tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum DockerUpdate {
    Connected {
        api_version: String,
    },
    Disconnected {
        reason: String,
        retry_in: Duration,
    },
    /// Full list for the watched project, after a watch or a reconnect.
    Containers {
        project: String,
        containers: Vec<ContainerSnapshot>,
    },
    Container(ContainerSnapshot),
    Removed {
        id: String,
    },
    Networks {
        project: String,
        networks: Vec<NetworkSnapshot>,
    },
    Stats {
        id: String,
        sample: StatsSample,
    },
    Logs(Vec<LogLine>),
    /// One readiness probe's answer for the container `id`.
    Readiness {
        id: String,
        readiness: Readiness,
    },
    Event(EngineEvent),
    LifecycleDone {
        label: String,
        elapsed: Duration,
        result: Result<(), String>,
    },
    ProfileStates(Vec<(String, usize, usize)>),
    /// One scrape of the app replica `id`'s `/metrics`: the OpenMetrics text, or why not.
    AppMetrics {
        id: String,
        result: Result<String, String>,
    },
}
