//! The Metrics panel's rows: one per service (one-shot jobs left out), and under a service
//! with several replicas one per replica, each with the running containers whose CPU and
//! memory it sums, its restarts and its health flags (on the replica's row when there is one).

use crate::app::State;
use crate::metrics::{Column, FlagKind, Metrics, TrafficSummary};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Service(String),
    /// An app replica (container id).
    Replica(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricsRow {
    /// `nginx`, or a replica's short name (`app-2`) indented under its service.
    pub label: String,
    pub subject: Subject,
    /// The running containers (a stopped one's last stats sample is not its usage now).
    pub running_ids: Vec<String>,
    /// Restarts by the restart policy, since each container was created.
    pub restarts: i64,
    /// Flags up, with since when (worst first), over its containers.
    pub flags: Vec<(FlagKind, DateTime<Utc>)>,
}

impl MetricsRow {
    pub fn traffic(&self, metrics: &Metrics, seconds: usize) -> Option<TrafficSummary> {
        match &self.subject {
            Subject::Service(service) => metrics.service_traffic(service, seconds),
            Subject::Replica(id) => metrics.replica_traffic(id, seconds),
        }
    }

    pub fn columns(&self, metrics: &Metrics, seconds: usize, columns: usize) -> Vec<Column> {
        match &self.subject {
            Subject::Service(service) => metrics.service_columns(service, seconds, columns),
            Subject::Replica(id) => metrics.replica_columns(id, seconds, columns),
        }
    }

    pub fn is_replica(&self) -> bool {
        matches!(self.subject, Subject::Replica(_))
    }
}

pub fn metrics_rows(state: &State) -> Vec<MetricsRow> {
    let mut services: BTreeMap<&str, Vec<&crate::model::container::ContainerSnapshot>> =
        BTreeMap::new();
    for container in state.containers.values().filter(|c| !c.one_shot) {
        let name = if container.service.is_empty() {
            &container.name
        } else {
            &container.service
        };
        services.entry(name).or_default().push(container);
    }
    let flags_of = |ids: &mut dyn Iterator<Item = &str>| {
        let mut flags: Vec<(FlagKind, DateTime<Utc>)> = Vec::new();
        for id in ids {
            for (kind, since) in state.metrics.flags.active(id) {
                match flags.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, at)) => *at = (*at).min(since),
                    None => flags.push((kind, since)),
                }
            }
        }
        flags.sort();
        flags
    };
    let mut rows = Vec::new();
    for (service, mut containers) in services {
        // Replicas in name order (app-1, app-2), not by container id.
        containers.sort_by(|a, b| a.name.cmp(&b.name));
        let replicas = containers.len() > 1;
        rows.push(MetricsRow {
            label: service.to_string(),
            subject: Subject::Service(service.to_string()),
            running_ids: containers
                .iter()
                .filter(|c| c.is_running())
                .map(|c| c.id.clone())
                .collect(),
            restarts: containers.iter().map(|c| c.restart_count).sum(),
            flags: if replicas {
                Vec::new()
            } else {
                flags_of(&mut containers.iter().map(|c| c.id.as_str()))
            },
        });
        if replicas {
            for container in containers {
                let short = container
                    .name
                    .strip_prefix(&format!("{}-", container.project))
                    .unwrap_or(&container.name);
                rows.push(MetricsRow {
                    label: short.to_string(),
                    subject: Subject::Replica(container.id.clone()),
                    running_ids: container
                        .is_running()
                        .then(|| container.id.clone())
                        .into_iter()
                        .collect(),
                    restarts: container.restart_count,
                    flags: flags_of(&mut std::iter::once(container.id.as_str())),
                });
            }
        }
    }
    rows
}
