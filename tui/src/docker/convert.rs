//! Conversions from bollard's wire types into our owned model.

use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, ContainerStatsResponse, HealthStatusEnum,
    Network, PortMap,
};
use chrono::{DateTime, Utc};
use stack_core::model::ROLE_LABEL;
use stack_core::model::container::{
    Attachment, ContainerSnapshot, Health, NetworkSnapshot, ONE_SHOT_LABEL, Probe, PublishedPort,
    RunState, StatsSample, is_one_shot_label,
};

pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";
pub const NETWORK_LABEL: &str = "com.docker.compose.network";

pub fn container(inspect: ContainerInspectResponse) -> ContainerSnapshot {
    let labels = inspect
        .config
        .as_ref()
        .and_then(|config| config.labels.clone())
        .unwrap_or_default();
    let state = inspect.state.unwrap_or_default();
    let health = state.health.unwrap_or_default();
    let run_state = run_state(state.status);
    let probes = health
        .log
        .unwrap_or_default()
        .into_iter()
        .map(|probe| Probe {
            start: probe.start.unwrap_or_default(),
            end: probe.end.unwrap_or_default(),
            exit_code: probe.exit_code.unwrap_or(-1),
            output: probe.output.unwrap_or_default(),
        })
        .collect();
    let settings = inspect.network_settings.unwrap_or_default();
    let mut networks: Vec<Attachment> = settings
        .networks
        .unwrap_or_default()
        .into_iter()
        .map(|(network, endpoint)| Attachment {
            network,
            address: endpoint.ip_address.unwrap_or_default(),
        })
        .collect();
    networks.sort_by(|a, b| a.network.cmp(&b.network));
    ContainerSnapshot {
        id: inspect.id.unwrap_or_default(),
        name: inspect
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        service: labels.get(SERVICE_LABEL).cloned().unwrap_or_default(),
        project: labels.get(PROJECT_LABEL).cloned().unwrap_or_default(),
        image: inspect
            .config
            .and_then(|config| config.image)
            .unwrap_or_default(),
        role: labels.get(ROLE_LABEL).cloned(),
        one_shot: is_one_shot_label(labels.get(ONE_SHOT_LABEL).map(String::as_str)),
        state: run_state,
        health: health_state(health.status),
        exit_code: (run_state != RunState::Running)
            .then_some(state.exit_code)
            .flatten(),
        started_at: state.started_at.as_deref().and_then(parse_time),
        restart_count: inspect.restart_count.unwrap_or(0),
        oom_killed: state.oom_killed.unwrap_or(false),
        failing_streak: health.failing_streak.unwrap_or(0),
        ports: ports(settings.ports.unwrap_or_default()),
        probes,
        networks,
    }
}

fn run_state(status: Option<ContainerStateStatusEnum>) -> RunState {
    match status {
        Some(ContainerStateStatusEnum::RUNNING) => RunState::Running,
        Some(ContainerStateStatusEnum::RESTARTING) => RunState::Restarting,
        Some(ContainerStateStatusEnum::PAUSED) => RunState::Paused,
        Some(ContainerStateStatusEnum::CREATED) => RunState::Created,
        Some(ContainerStateStatusEnum::REMOVING) => RunState::Removing,
        Some(ContainerStateStatusEnum::EXITED) => RunState::Exited,
        Some(ContainerStateStatusEnum::DEAD) => RunState::Dead,
        _ => RunState::Unknown,
    }
}

fn health_state(status: Option<HealthStatusEnum>) -> Health {
    match status {
        Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
        Some(HealthStatusEnum::STARTING) => Health::Starting,
        Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
        _ => Health::None,
    }
}

/// Docker writes `0001-01-01T00:00:00Z` for "never"; treat it as absent.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let parsed = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
    (parsed.timestamp() > 0).then_some(parsed)
}

fn ports(map: PortMap) -> Vec<PublishedPort> {
    let mut published = Vec::new();
    for (key, bindings) in map {
        let (port, protocol) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        let Ok(container_port) = port.parse::<u16>() else {
            continue;
        };
        for binding in bindings.unwrap_or_default() {
            let Some(host_port) = binding.host_port.and_then(|p| p.parse::<u16>().ok()) else {
                continue;
            };
            published.push(PublishedPort {
                host_ip: binding.host_ip.unwrap_or_default(),
                host_port,
                container_port,
                protocol: protocol.to_string(),
            });
        }
    }
    published.sort();
    published.dedup();
    published
}

pub fn network(network: Network) -> NetworkSnapshot {
    let name = network.name.unwrap_or_default();
    let compose_name = network
        .labels
        .as_ref()
        .and_then(|labels| labels.get(NETWORK_LABEL).cloned())
        .unwrap_or_else(|| name.clone());
    NetworkSnapshot {
        name,
        compose_name,
        internal: network.internal.unwrap_or(false),
        driver: network.driver.unwrap_or_default(),
    }
}

/// CPU % the way `docker stats` computes it: container delta over system delta, times CPUs.
pub fn stats(stats: &ContainerStatsResponse) -> StatsSample {
    let cpu = stats.cpu_stats.as_ref();
    let pre = stats.precpu_stats.as_ref();
    let total = |s: Option<&bollard::models::ContainerCpuStats>| {
        s.and_then(|s| s.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let system = |s: Option<&bollard::models::ContainerCpuStats>| {
        s.and_then(|s| s.system_cpu_usage).unwrap_or(0)
    };
    let cpu_delta = total(cpu).saturating_sub(total(pre)) as f64;
    let system_delta = system(cpu).saturating_sub(system(pre)) as f64;
    let cpus = cpu.and_then(|s| s.online_cpus).unwrap_or(1).max(1) as f64;
    let cpu_percent = if system_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    };
    let memory = stats.memory_stats.as_ref();
    let usage = memory.and_then(|m| m.usage).unwrap_or(0);
    // Like the docker CLI, don't count reclaimable page cache as used memory.
    let cache = memory
        .and_then(|m| m.stats.as_ref())
        .and_then(|s| {
            s.get("inactive_file")
                .or_else(|| s.get("total_inactive_file"))
        })
        .copied()
        .unwrap_or(0);
    StatsSample {
        cpu_percent,
        memory_bytes: usage.saturating_sub(cache),
        memory_limit: memory.and_then(|m| m.limit).unwrap_or(0),
    }
}
