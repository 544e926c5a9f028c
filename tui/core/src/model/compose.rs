//! The merged project model, read from `docker compose config --format json` (never merged by hand).

use super::error::ComposeError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Names (of services or images) that mark a data store: it belongs on an internal network and
/// publishes nothing. Topology and the audit both judge isolation by it.
pub const DATA_STORE_NAMES: [&str; 8] = [
    "redis",
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "memcached",
    "valkey",
    "rabbitmq",
];

/// The label that says what a service is (`entry`, `app`, `cache`, `database`, `migrations`).
pub const ROLE_LABEL: &str = "stack-tui.role";

/// The role of the app (edge-host serving the component): its replicas get readiness probes.
pub const APP_ROLE: &str = "app";

/// The role of the one-shot service that applies the schema migrations.
pub const MIGRATIONS_ROLE: &str = "migrations";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComposeModel {
    pub services: BTreeMap<String, ServiceModel>,
    pub networks: BTreeMap<String, NetworkModel>,
    /// Secret name → the file compose mounts, when it comes from a file.
    pub secrets: BTreeMap<String, Option<PathBuf>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceModel {
    pub image: Option<String>,
    pub has_build: bool,
    pub ports: Vec<ConfiguredPort>,
    pub networks: Vec<String>,
    pub depends_on: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub has_healthcheck: bool,
    /// Host folders and files bind-mounted into the service (absolute, as compose resolves them).
    pub binds: Vec<BindMount>,
}

impl ServiceModel {
    /// Runs to completion (a migration job), labelled `stack-tui.one-shot: "true"`.
    pub fn is_one_shot(&self) -> bool {
        super::container::is_one_shot_label(
            self.labels
                .get(super::container::ONE_SHOT_LABEL)
                .map(String::as_str),
        )
    }
}

impl ComposeModel {
    /// Services that keep running (every one but the one-shots): what "the profile is up" counts.
    pub fn long_running_services(&self) -> usize {
        self.services
            .values()
            .filter(|service| !service.is_one_shot())
            .count()
    }

    /// The first service (in name order) labelled with `role`.
    pub fn service_with_role(&self, role: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|(_, service)| service.labels.get(ROLE_LABEL).map(String::as_str) == Some(role))
            .map(|(name, _)| name.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMount {
    pub source: PathBuf,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredPort {
    pub host_ip: String,
    pub published: Option<u16>,
    pub target: u16,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkModel {
    pub name: Option<String>,
    pub internal: bool,
    pub external: bool,
}

fn strings_in(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn port_number(value: Option<&Value>) -> Option<u16> {
    match value? {
        Value::Number(number) => number.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

fn service(value: &Value) -> ServiceModel {
    let ports = value
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|port| {
            Some(ConfiguredPort {
                host_ip: port
                    .get("host_ip")
                    .and_then(Value::as_str)
                    .unwrap_or("0.0.0.0")
                    .to_string(),
                published: port_number(port.get("published")),
                target: port_number(port.get("target"))?,
            })
        })
        .collect();
    let labels = value
        .get("labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, label)| Some((key.clone(), label.as_str()?.to_string())))
        .collect();
    let binds = value
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|volume| volume.get("type").and_then(Value::as_str) == Some("bind"))
        .filter_map(|volume| {
            Some(BindMount {
                source: PathBuf::from(volume.get("source")?.as_str()?),
                target: volume.get("target")?.as_str()?.to_string(),
            })
        })
        .collect();
    ServiceModel {
        binds,
        image: value
            .get("image")
            .and_then(Value::as_str)
            .map(str::to_string),
        has_build: value.get("build").is_some(),
        ports,
        networks: strings_in(value.get("networks")),
        depends_on: strings_in(value.get("depends_on")),
        labels,
        has_healthcheck: value
            .get("healthcheck")
            .is_some_and(|check| check.get("disable") != Some(&Value::Bool(true))),
    }
}

impl ComposeModel {
    pub fn from_json(text: &str) -> Result<Self, ComposeError> {
        let root: Value =
            serde_json::from_str(text).map_err(|err| ComposeError::BadModel(err.to_string()))?;
        let Some(services) = root.get("services").and_then(Value::as_object) else {
            return Err(ComposeError::BadModel("no `services` object".into()));
        };
        let networks = root
            .get("networks")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(key, network)| {
                let model = NetworkModel {
                    name: network
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    internal: network.get("internal") == Some(&Value::Bool(true)),
                    external: network.get("external") == Some(&Value::Bool(true)),
                };
                (key.clone(), model)
            })
            .collect();
        let secrets = root
            .get("secrets")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(key, secret)| {
                let file = secret
                    .get("file")
                    .and_then(Value::as_str)
                    .map(PathBuf::from);
                (key.clone(), file)
            })
            .collect();
        Ok(Self {
            services: services
                .iter()
                .map(|(name, value)| (name.clone(), service(value)))
                .collect(),
            networks,
            secrets,
        })
    }

    /// Host ports the profile publishes, `host_ip:port`, for the profiles panel and port checks.
    pub fn published_ports(&self) -> Vec<(String, u16)> {
        let mut ports: Vec<(String, u16)> = self
            .services
            .values()
            .flat_map(|service| service.ports.iter())
            .filter_map(|port| Some((port.host_ip.clone(), port.published?)))
            .collect();
        ports.sort();
        ports.dedup();
        ports
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
      "name": "stack-local",
      "services": {
        "nginx": {"image": "nginx:x", "ports": [{"mode": "ingress", "host_ip": "127.0.0.1",
                  "target": 8080, "published": "8080", "protocol": "tcp"}],
                  "networks": {"frontend": null}, "healthcheck": {"test": ["CMD", "true"]}},
        "app": {"build": {"context": "."}, "networks": {"frontend": null, "backend": null},
                "depends_on": {"redis": {"condition": "service_healthy"}},
                "labels": {"stack-tui.upstreams": "redis"}},
        "redis": {"image": "redis", "networks": {"backend": null},
                  "healthcheck": {"disable": true}}
      },
      "networks": {"frontend": {"name": "stack-local_frontend"},
                   "backend": {"name": "stack-local_backend", "internal": true}},
      "secrets": {"db_password": {"name": "x", "file": "/srv/env/secrets/db_password"}}
    }"#;

    #[test]
    fn reads_services_networks_and_secrets() {
        let model = ComposeModel::from_json(CONFIG).expect("valid model");
        let nginx = &model.services["nginx"];
        assert_eq!(
            nginx.ports,
            [ConfiguredPort {
                host_ip: "127.0.0.1".into(),
                published: Some(8080),
                target: 8080
            }]
        );
        assert!(nginx.has_healthcheck);
        assert!(!model.services["redis"].has_healthcheck);
        let app = &model.services["app"];
        assert!(app.has_build && app.image.is_none());
        assert_eq!(app.networks, ["backend", "frontend"]);
        assert_eq!(app.depends_on, ["redis"]);
        assert!(model.networks["backend"].internal);
        assert!(!model.networks["frontend"].internal);
        assert_eq!(model.published_ports(), [("127.0.0.1".to_string(), 8080)]);
        assert_eq!(
            model.secrets["db_password"].as_deref(),
            Some(std::path::Path::new("/srv/env/secrets/db_password"))
        );
    }

    #[test]
    fn rejects_output_that_is_not_a_model() {
        assert!(ComposeModel::from_json("not json").is_err());
        assert!(ComposeModel::from_json("{}").is_err());
    }
}
