//! The services table: containers grouped by compose service, filtered and sorted.

use super::state::{SortKey, State};
use crate::model::container::{ContainerSnapshot, Health, RunState};
use crate::model::readiness::{ReadinessSummary, ReadinessVerdict};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub name: String,
    pub running: usize,
    pub total: usize,
    /// Best state among replicas (a service with one running replica is "running").
    pub state: Option<RunState>,
    /// Worst health among replicas, so one unhealthy replica shows.
    pub health: Health,
    pub started_at: Option<DateTime<Utc>>,
    pub restarts: i64,
    pub cpu_percent: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub ports: Vec<String>,
    pub exit_code: Option<i64>,
    pub container_ids: Vec<String>,
    /// Runs to completion (a migration job): exited 0 is its success, not a service down.
    pub one_shot: bool,
    /// The running app replicas' readiness; `None` for services that are not probed.
    pub readiness: Option<ReadinessSummary>,
}

impl ServiceRow {
    fn empty(name: &str) -> Self {
        Self {
            name: name.to_string(),
            running: 0,
            total: 0,
            state: None,
            health: Health::None,
            started_at: None,
            restarts: 0,
            cpu_percent: None,
            memory_bytes: None,
            ports: Vec::new(),
            exit_code: None,
            container_ids: Vec::new(),
            one_shot: false,
            readiness: None,
        }
    }

    fn add(&mut self, container: &ContainerSnapshot, state: &State) {
        self.total += 1;
        self.one_shot |= container.one_shot;
        self.container_ids.push(container.id.clone());
        self.restarts += container.restart_count;
        self.state = Some(
            self.state
                .map_or(container.state, |s| s.min(container.state)),
        );
        if container.is_running() {
            self.running += 1;
            self.health = self.health.max(container.health);
            self.started_at = match (self.started_at, container.started_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        } else {
            self.exit_code = self.exit_code.or(container.exit_code);
        }
        if container.is_running_app() {
            let probed = state.readiness.get(&container.id).map(|r| &r.readiness);
            self.readiness.get_or_insert_default().add(probed);
        }
        if let Some(sample) = state
            .stats
            .get(&container.id)
            .filter(|_| container.is_running())
        {
            *self.cpu_percent.get_or_insert(0.0) += sample.cpu_percent;
            *self.memory_bytes.get_or_insert(0) += sample.memory_bytes;
        }
        for port in &container.ports {
            let label = format!("{}:{}", port.host_ip, port.host_port);
            if !self.ports.contains(&label) {
                self.ports.push(label);
            }
        }
    }

    /// Some running replica answered not ready.
    pub fn not_ready(&self) -> bool {
        self.readiness_verdict() == Some(ReadinessVerdict::NotReady)
    }

    pub fn readiness_verdict(&self) -> Option<ReadinessVerdict> {
        self.readiness.as_ref().map(ReadinessSummary::verdict)
    }

    /// A one-shot whose every container exited 0.
    pub fn completed(&self) -> bool {
        self.one_shot
            && self.running == 0
            && self.state == Some(RunState::Exited)
            && self.exit_code == Some(0)
    }

    pub fn state_label(&self) -> String {
        match self.state {
            None => "absent".into(),
            Some(RunState::Exited) if self.completed() => "completed".into(),
            Some(RunState::Exited) if self.one_shot => match self.exit_code {
                Some(code) => format!("failed({code})"),
                None => "failed".into(),
            },
            Some(RunState::Exited) => match self.exit_code {
                Some(code) => format!("exited({code})"),
                None => "exited".into(),
            },
            Some(state) => state.as_str().into(),
        }
    }
}

/// Rows for the current state: every service with containers, plus configured services without.
pub fn service_rows(state: &State) -> Vec<ServiceRow> {
    let mut rows: BTreeMap<String, ServiceRow> = BTreeMap::new();
    if let Some(model) = &state.model {
        for (name, service) in &model.services {
            let mut row = ServiceRow::empty(name);
            row.one_shot = service.is_one_shot();
            rows.insert(name.clone(), row);
        }
    }
    for container in state.containers.values() {
        let name = if container.service.is_empty() {
            &container.name
        } else {
            &container.service
        };
        rows.entry(name.clone())
            .or_insert_with(|| ServiceRow::empty(name))
            .add(container, state);
    }
    let filter = state.service_filter.to_lowercase();
    let mut rows: Vec<ServiceRow> = rows
        .into_values()
        .filter(|row| filter.is_empty() || row.name.to_lowercase().contains(&filter))
        .collect();
    sort_rows(&mut rows, state.sort);
    rows
}

fn sort_rows(rows: &mut [ServiceRow], key: SortKey) {
    match key {
        SortKey::Name => {}
        SortKey::State => rows.sort_by_key(|row| row.state.unwrap_or(RunState::Unknown)),
        // Worst first: that is what someone sorting by health is looking for.
        // Not ready counts after Docker's verdict: a healthy app that cannot serve comes first
        // among the healthy ones.
        SortKey::Health => {
            rows.sort_by_key(|row| std::cmp::Reverse((row.health, row.readiness_verdict())));
        }
        SortKey::Cpu => rows.sort_by(|a, b| {
            b.cpu_percent
                .unwrap_or(0.0)
                .total_cmp(&a.cpu_percent.unwrap_or(0.0))
        }),
        SortKey::Memory => rows.sort_by_key(|row| std::cmp::Reverse(row.memory_bytes.unwrap_or(0))),
        SortKey::Restarts => rows.sort_by_key(|row| std::cmp::Reverse(row.restarts)),
    }
}

/// One line per service with a replica that is not ready, for under the services table:
/// `app not ready 1/2: postgres unavailable: …` (the first such replica's reason).
pub fn readiness_notes(rows: &[ServiceRow]) -> Vec<String> {
    rows.iter()
        .filter(|row| row.not_ready())
        .filter_map(|row| {
            let summary = row.readiness.as_ref()?;
            let reason = summary.reason.as_deref().unwrap_or("no reason given");
            Some(format!("{} {}: {reason}", row.name, summary.label()))
        })
        .collect()
}

/// The selected row, if any.
pub fn selected_row(state: &State) -> Option<ServiceRow> {
    let rows = service_rows(state);
    let index = state.selected.min(rows.len().saturating_sub(1));
    rows.into_iter().nth(index)
}

/// Containers of the selected service, in name order.
pub fn selected_containers(state: &State) -> Vec<&ContainerSnapshot> {
    let Some(row) = selected_row(state) else {
        return Vec::new();
    };
    let mut containers: Vec<&ContainerSnapshot> = row
        .container_ids
        .iter()
        .filter_map(|id| state.containers.get(id))
        .collect();
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    containers
}

/// `1d 2h`, `3h 4m`, `5m 6s`, `7s`.
pub fn format_uptime(started: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - started).num_seconds().max(0);
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes}B")
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}
