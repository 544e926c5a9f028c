//! `status [--json]`: the profile's services as the Engine API reports them.

use crate::compose::Layout;
use crate::docker::model::{ContainerSnapshot, Health, RunState};
use crate::docker::{connect, project_snapshots};
use serde::Serialize;
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
    pub containers: Vec<ContainerSnapshot>,
}

pub async fn status_report(layout: &Layout, profile: &str) -> anyhow::Result<StatusReport> {
    let profile = layout.profile(profile)?;
    let docker = connect().await?;
    let containers = project_snapshots(&docker, &profile.project).await?;
    let mut grouped: BTreeMap<String, Vec<ContainerSnapshot>> = BTreeMap::new();
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
            containers,
        })
        .collect();
    Ok(StatusReport {
        profile: profile.name,
        project: profile.project,
        services,
    })
}

pub async fn status(layout: &Layout, profile: &str, json: bool) -> anyhow::Result<()> {
    let report = status_report(layout, profile).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("profile {} (project {})", report.profile, report.project);
    if report.services.is_empty() {
        println!(
            "no containers; bring it up with `stack-tui up --profile {}`",
            report.profile
        );
        return Ok(());
    }
    println!(
        "{:<14} {:<6} {:<11} {:<10} {:<9} {:<8} PORTS",
        "SERVICE", "REPL", "STATE", "HEALTH", "UPTIME", "RESTARTS"
    );
    let now = chrono::Utc::now();
    for service in &report.services {
        let uptime = service
            .containers
            .iter()
            .filter(|c| c.is_running())
            .filter_map(|c| c.started_at)
            .min()
            .map(|started| crate::app::services::format_uptime(started, now))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<14} {:<6} {:<11} {:<10} {:<9} {:<8} {}",
            service.service,
            format!("{}/{}", service.running, service.total),
            service.state.as_str(),
            service.health.as_str(),
            uptime,
            service.restarts,
            service.ports.join(",")
        );
    }
    Ok(())
}
