//! `status [--format json]`: the profile's services as the Engine API reports them, each running
//! app replica's readiness (one `/health/ready` probe from inside it), and an exit status scripts
//! can test: 0 healthy and ready, 3 degraded, 4 daemon unreachable (1 for other errors).

use crate::cli::ListFormat;
use crate::docker::{app_probe, connect, project_snapshots};
use futures_util::future::join_all;
use serde::Serialize;
use stack_core::model::Layout;
use stack_core::model::container::{ContainerSnapshot, Health, RunState};
use stack_core::model::readiness::{Readiness, ReadinessSummary, summarize};
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub profile: String,
    pub project: String,
    pub services: Vec<ServiceStatus>,
}

#[derive(Debug, Serialize)]
pub struct ServiceStatus {
    pub service: String,
    /// Best state among replicas.
    pub state: RunState,
    /// Worst health among running replicas.
    pub health: Health,
    pub running: usize,
    pub total: usize,
    pub restarts: i64,
    pub ports: Vec<String>,
    /// The running app replicas' readiness taken together; absent for services not probed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<ReadinessSummary>,
    pub containers: Vec<ContainerStatus>,
}

/// One container as the engine reports it, plus its readiness when it is a running app replica.
#[derive(Debug, Serialize)]
pub struct ContainerStatus {
    #[serde(flatten)]
    pub container: ContainerSnapshot,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Readiness>,
}

impl std::ops::Deref for ContainerStatus {
    type Target = ContainerSnapshot;

    fn deref(&self) -> &ContainerSnapshot {
        &self.container
    }
}

/// Some service is not running all its replicas, is unhealthy or still starting, exited with an
/// error, or is an app replica that is not ready; or nothing runs at all.
pub const EXIT_DEGRADED: u8 = 3;
/// The Docker daemon did not answer.
pub const EXIT_UNREACHABLE: u8 = 4;

impl ServiceStatus {
    /// Every container runs and is healthy (or has no healthcheck) and, for app replicas, ready;
    /// or finished with exit code 0 (a one-shot job).
    pub fn is_healthy(&self) -> bool {
        !self.containers.is_empty()
            && self.containers.iter().all(|c| {
                if c.is_running() {
                    matches!(c.health, Health::Healthy | Health::None)
                        && c.readiness.as_ref().is_none_or(Readiness::is_ready)
                } else {
                    c.state == RunState::Exited && c.exit_code == Some(0)
                }
            })
    }
}

impl ServiceStatus {
    /// The state column: a one-shot service (the migrations) that finished reads `completed`
    /// (exit 0) or `failed(N)`, not `exited`.
    pub fn state_label(&self) -> String {
        let finished: Vec<&ContainerSnapshot> = self
            .containers
            .iter()
            .filter(|c| c.one_shot && c.state == RunState::Exited)
            .map(|c| &c.container)
            .collect();
        if finished.is_empty() || finished.len() != self.containers.len() {
            return self.state.as_str().to_string();
        }
        match finished.iter().find(|c| !c.completed()) {
            None => "completed".to_string(),
            Some(failed) => match failed.exit_code {
                Some(code) => format!("failed({code})"),
                None => "failed".to_string(),
            },
        }
    }
}

impl StatusReport {
    /// The exit status `status` ends with.
    pub fn exit_code(&self) -> u8 {
        if !self.services.is_empty() && self.services.iter().all(ServiceStatus::is_healthy) {
            0
        } else {
            EXIT_DEGRADED
        }
    }
}

pub async fn status_report(layout: &Layout, profile: &str) -> anyhow::Result<StatusReport> {
    let profile = layout.profile(profile)?;
    let docker = connect().await?;
    let snapshots = project_snapshots(&docker, &profile.project).await?;
    // Every running replica at once: each probe is bounded, so the report waits for the slowest.
    let containers = join_all(snapshots.into_iter().map(|container| {
        let docker = &docker;
        async move {
            let readiness = match container.is_running_app() {
                true => Some(app_probe::readiness(docker, &container.id, &container.name).await),
                false => None,
            };
            ContainerStatus {
                container,
                readiness,
            }
        }
    }))
    .await;
    let mut grouped: BTreeMap<String, Vec<ContainerStatus>> = BTreeMap::new();
    for container in containers {
        grouped
            .entry(container.service.clone())
            .or_default()
            .push(container);
    }
    let services = grouped
        .into_iter()
        .map(|(service, containers)| ServiceStatus {
            service,
            state: containers
                .iter()
                .map(|c| c.state)
                .min()
                .unwrap_or(RunState::Unknown),
            health: containers
                .iter()
                .filter(|c| c.is_running())
                .map(|c| c.health)
                .max()
                .unwrap_or(Health::None),
            running: containers.iter().filter(|c| c.is_running()).count(),
            total: containers.len(),
            restarts: containers.iter().map(|c| c.restart_count).sum(),
            ports: containers
                .iter()
                .flat_map(|c| c.ports.iter().map(|p| p.label()))
                .collect(),
            readiness: containers.iter().any(|c| c.readiness.is_some()).then(|| {
                summarize(
                    containers
                        .iter()
                        .filter(|c| c.readiness.is_some())
                        .map(|c| c.readiness.as_ref()),
                )
            }),
            containers,
        })
        .collect();
    Ok(StatusReport {
        profile: profile.name,
        project: profile.project,
        services,
    })
}

/// Prints the report; returns the exit status (see `EXIT_DEGRADED`, `EXIT_UNREACHABLE`).
pub async fn status(layout: &Layout, profile: &str, format: ListFormat) -> anyhow::Result<u8> {
    // A profile or Docker context that does not exist is the caller's mistake (exit 1), not
    // the daemon's.
    layout.profile(profile)?;
    crate::docker::endpoint::current()?;
    let report = match status_report(layout, profile).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("stack-tui: {error:#}");
            return Ok(EXIT_UNREACHABLE);
        }
    };
    if format == ListFormat::Json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(report.exit_code());
    }
    println!("profile {} (project {})", report.profile, report.project);
    if report.services.is_empty() {
        println!(
            "no containers; bring it up with `stack-tui up --profile {}`",
            report.profile
        );
        return Ok(report.exit_code());
    }
    println!(
        "{:<14} {:<6} {:<11} {:<10} {:<14} {:<9} {:<8} PORTS",
        "SERVICE", "REPL", "STATE", "HEALTH", "READY", "UPTIME", "RESTARTS"
    );
    let now = chrono::Utc::now();
    for service in &report.services {
        let uptime = service
            .containers
            .iter()
            .filter(|c| c.is_running())
            .filter_map(|c| c.started_at)
            .min()
            .map(|started| stack_core::app::services::format_uptime(started, now))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<14} {:<6} {:<11} {:<10} {:<14} {:<9} {:<8} {}",
            service.service,
            format!("{}/{}", service.running, service.total),
            service.state_label(),
            service.health.as_str(),
            service
                .readiness
                .as_ref()
                .map_or_else(|| "-".to_string(), ReadinessSummary::label),
            uptime,
            service.restarts,
            service.ports.join(",")
        );
    }
    // Why a replica is not ready, one line each: the table has no room for it.
    for container in report.services.iter().flat_map(|s| &s.containers) {
        if let Some(Readiness::NotReady { reason }) = &container.readiness {
            println!("{} not ready: {reason}", container.name);
        }
    }
    Ok(report.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(containers: Vec<ContainerSnapshot>) -> ServiceStatus {
        let containers: Vec<ContainerStatus> = containers
            .into_iter()
            .map(|container| ContainerStatus {
                container,
                readiness: None,
            })
            .collect();
        ServiceStatus {
            service: "migrate".into(),
            state: containers
                .iter()
                .map(|c| c.state)
                .min()
                .unwrap_or(RunState::Unknown),
            health: Health::None,
            running: 0,
            total: containers.len(),
            restarts: 0,
            ports: Vec::new(),
            readiness: None,
            containers,
        }
    }

    fn job(one_shot: bool, state: RunState, exit_code: Option<i64>) -> ContainerSnapshot {
        ContainerSnapshot {
            id: "0123456789ab".into(),
            name: "stack-local-migrate-1".into(),
            service: "migrate".into(),
            project: "stack-local".into(),
            image: "stack-tui/app:local".into(),
            role: Some("migrations".into()),
            one_shot,
            state,
            health: Health::None,
            exit_code,
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
    fn a_finished_one_shot_reads_completed_or_failed() {
        let cases = [
            (job(true, RunState::Exited, Some(0)), "completed", true),
            (job(true, RunState::Exited, Some(1)), "failed(1)", false),
            (job(true, RunState::Running, None), "running", true),
            (job(false, RunState::Exited, Some(1)), "exited", false),
        ];
        for (container, label, healthy) in cases {
            let status = service(vec![container]);
            assert_eq!(status.state_label(), label);
            assert_eq!(status.is_healthy(), healthy, "{label}");
        }
    }

    #[test]
    fn a_healthy_app_replica_that_is_not_ready_is_degraded() {
        let app = || ContainerSnapshot {
            name: "stack-dev-app-1".into(),
            service: "app".into(),
            role: Some("app".into()),
            health: Health::Healthy,
            ..job(false, RunState::Running, None)
        };
        let report = |readiness: Readiness| StatusReport {
            profile: "dev".into(),
            project: "stack-dev".into(),
            services: vec![ServiceStatus {
                service: "app".into(),
                state: RunState::Running,
                health: Health::Healthy,
                running: 1,
                total: 1,
                restarts: 0,
                ports: Vec::new(),
                readiness: Some(summarize([Some(&readiness)])),
                containers: vec![ContainerStatus {
                    container: app(),
                    readiness: Some(readiness),
                }],
            }],
        };
        assert_eq!(report(Readiness::Ready).exit_code(), 0);
        let down = report(Readiness::NotReady {
            reason: "postgres unavailable: timeout".into(),
        });
        assert_eq!(down.exit_code(), EXIT_DEGRADED);
        let json = serde_json::to_value(&down).expect("serialises");
        let container = &json["services"][0]["containers"][0];
        assert_eq!(container["name"], "stack-dev-app-1", "flattened: {json:#}");
        assert_eq!(container["readiness"]["ready"], false);
        assert_eq!(json["services"][0]["readiness"]["ready"], 0);
    }
}
