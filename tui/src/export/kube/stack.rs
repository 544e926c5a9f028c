//! The facts an export reads from a profile: the merged compose model (`docker compose config
//! --format json`) with the fields Kubernetes needs, the services' roles, and who talks to whom.

use crate::export::ExportError;
use crate::export::spin_manifest::SpinManifest;
use serde::Deserialize;
use serde_json::Value;
use stack_core::model::{ComposeModel, Profile};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The label that says what a service is; the compose files set it on every service.
pub use stack_core::model::ROLE_LABEL;
const UPSTREAMS_LABEL: &str = "stack-tui.upstreams";

/// What a service is; the discriminants index `Stack::roles` (`Role::ALL` order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The public entry (nginx).
    Entry,
    /// The Spin app.
    App,
    Cache,
    Database,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Entry, Role::App, Role::Cache, Role::Database];

    pub fn label(self) -> &'static str {
        match self {
            Role::Entry => "entry",
            Role::App => "app",
            Role::Cache => "cache",
            Role::Database => "database",
        }
    }

    pub fn is_data(self) -> bool {
        matches!(self, Role::Cache | Role::Database)
    }
}

/// One service of the merged compose model (only what the export uses).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Service {
    pub image: Option<String>,
    pub user: Option<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub tmpfs: Vec<String>,
    #[serde(default)]
    pub volumes: Vec<Mount>,
    #[serde(default)]
    pub secrets: Vec<SecretUse>,
    pub entrypoint: Option<Vec<String>>,
    pub command: Option<Vec<String>>,
    pub deploy: Option<Deploy>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<Port>,
    pub healthcheck: Option<Healthcheck>,
    pub stop_grace_period: Option<String>,
    pub shm_size: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Mount {
    #[serde(rename = "type")]
    pub kind: String,
    pub source: Option<String>,
    pub target: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecretUse {
    pub source: String,
    pub target: Option<String>,
}

impl SecretUse {
    /// The file name under /run/secrets (compose defaults it to the secret's name).
    pub fn file_name(&self) -> &str {
        self.target.as_deref().unwrap_or(&self.source)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Deploy {
    pub replicas: Option<u32>,
    pub resources: Option<DeployResources>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeployResources {
    pub limits: Option<Limits>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Limits {
    pub cpus: Option<Value>,
    pub memory: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Port {
    pub target: u16,
    pub published: Option<Value>,
}

impl Port {
    pub fn published(&self) -> Option<String> {
        match self.published.as_ref()? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Healthcheck {
    #[serde(default)]
    pub test: Vec<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub start_period: Option<String>,
    pub retries: Option<u32>,
    #[serde(default)]
    pub disable: bool,
}

#[derive(Debug, Deserialize)]
struct ComposeConfig {
    services: BTreeMap<String, Service>,
}

/// A profile, ready to be exported.
#[derive(Debug, Clone)]
pub struct Stack {
    pub profile: String,
    /// The Kubernetes namespace: the profile's compose project name (`stack-prod`).
    pub namespace: String,
    pub root: PathBuf,
    pub services: BTreeMap<String, Service>,
    pub model: ComposeModel,
    pub manifest: SpinManifest,
    /// The compose service of each role, in `Role::ALL` order.
    roles: [(String, Service); 4],
}

impl Stack {
    pub fn new(
        profile: &Profile,
        config_json: &str,
        manifest: SpinManifest,
    ) -> Result<Self, ExportError> {
        let bad = |reason: String| ExportError::model(&profile.name, reason);
        let config: ComposeConfig = serde_json::from_str(config_json)
            .map_err(|err| bad(format!("unexpected `docker compose config` output: {err}")))?;
        let model = ComposeModel::from_json(config_json)?;
        let find = |role: Role| -> Result<(String, Service), ExportError> {
            let mut named = config.services.iter().filter(|(_, service)| {
                service.labels.get(ROLE_LABEL).map(String::as_str) == Some(role.label())
            });
            let Some((name, service)) = named.next() else {
                return Err(bad(format!(
                    "no service is labelled {ROLE_LABEL}: {}; the export needs one of each role \
                     (entry, app, cache, database)",
                    role.label()
                )));
            };
            if let Some((other, _)) = named.next() {
                return Err(bad(format!(
                    "services {name} and {other} are both labelled {ROLE_LABEL}: {}",
                    role.label()
                )));
            }
            Ok((name.clone(), service.clone()))
        };
        let roles = [
            find(Role::Entry)?,
            find(Role::App)?,
            find(Role::Cache)?,
            find(Role::Database)?,
        ];
        Ok(Self {
            profile: profile.name.clone(),
            namespace: profile.project.clone(),
            root: profile.root.clone(),
            services: config.services,
            model,
            manifest,
            roles,
        })
    }

    /// The compose service that has `role`.
    pub fn service_name(&self, role: Role) -> &str {
        &self.roles[role as usize].0
    }

    pub fn service(&self, role: Role) -> &Service {
        &self.roles[role as usize].1
    }

    pub fn role_of(&self, service: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| self.service_name(*role) == service)
    }

    /// The Kubernetes name of a role's workload and Service. The app is the SpinApp, named like
    /// the Spin application; spin-operator names its Service after it. Others keep their compose
    /// names, so hosts such as `redis` mean the same in both worlds.
    pub fn kube_name(&self, role: Role) -> String {
        match role {
            Role::App => self.manifest.application.name.clone(),
            other => self.service_name(other).to_string(),
        }
    }

    /// Caller → callee roles: `depends_on`, the `stack-tui.upstreams` label, and for the entry
    /// (it publishes ports) with nothing declared, the non-data services it shares a network
    /// with — the same reading as the dashboard's topology panel.
    pub fn edges(&self) -> BTreeSet<(Role, Role)> {
        let mut edges = BTreeSet::new();
        for (name, service) in &self.model.services {
            let Some(caller) = self.role_of(name) else {
                continue;
            };
            let mut callees: BTreeSet<String> = service.depends_on.iter().cloned().collect();
            if let Some(list) = service.labels.get(UPSTREAMS_LABEL) {
                callees.extend(
                    list.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty()),
                );
            }
            if !service.ports.is_empty() && callees.is_empty() {
                for (other, other_service) in &self.model.services {
                    let shares = other_service
                        .networks
                        .iter()
                        .any(|n| service.networks.contains(n));
                    let is_data = self.role_of(other).is_some_and(Role::is_data);
                    if other != name && shares && other_service.ports.is_empty() && !is_data {
                        callees.insert(other.clone());
                    }
                }
            }
            for callee in callees.iter().filter_map(|callee| self.role_of(callee)) {
                edges.insert((caller, callee));
            }
        }
        edges
    }

    /// Ports a role's pods serve on, named. The data services listen on their images' standard
    /// ports (compose never publishes them); the app on containerd-shim-spin's HTTP port.
    pub fn ports(&self, role: Role) -> Vec<(String, i32)> {
        match role {
            Role::Entry => {
                let tls_port = super::proxy::tls_listen_port(self);
                let mut ports: Vec<(String, i32)> = self
                    .service(role)
                    .ports
                    .iter()
                    .map(|port| {
                        let port = i32::from(port.target);
                        let name = if Some(port) == tls_port {
                            "https"
                        } else {
                            "http"
                        };
                        (name.to_string(), port)
                    })
                    .collect();
                ports.sort_by_key(|(_, port)| *port);
                ports.dedup();
                ports
            }
            Role::App => vec![("http".into(), crate::export::spinapp::HTTP_PORT)],
            Role::Cache => vec![("redis".into(), 6379)],
            Role::Database => vec![("postgres".into(), 5432)],
        }
    }

    pub fn error(&self, reason: impl Into<String>) -> ExportError {
        ExportError::model(&self.profile, reason)
    }
}
