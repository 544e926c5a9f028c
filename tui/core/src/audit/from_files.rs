//! The static source: subjects from the merged compose model (`docker compose config --format
//! json`), parsed without I/O. Host files the services get (secrets, PEMs) are looked at
//! separately, in `host_files.rs`.

use super::subject::{Healthcheck, Limits, Logging, Mount, MountKind, Namespaces, Port, Subject};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the files say: one subject per service, the networks, and each service's secret files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilesModel {
    pub subjects: Vec<Subject>,
    pub internal_networks: BTreeMap<String, bool>,
    /// Service → the host files behind its `secrets:`.
    pub secret_files: BTreeMap<String, Vec<PathBuf>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the compose model is not what `docker compose config --format json` prints: {0}")]
pub struct ModelError(String);

pub fn parse(text: &str) -> Result<FilesModel, ModelError> {
    let root: Value = serde_json::from_str(text).map_err(|err| ModelError(err.to_string()))?;
    let services = root
        .get("services")
        .and_then(Value::as_object)
        .ok_or_else(|| ModelError("no `services` object".into()))?;
    let secret_sources: BTreeMap<&str, PathBuf> = object(root.get("secrets"))
        .filter_map(|(name, secret)| {
            Some((name.as_str(), PathBuf::from(str_of(secret.get("file"))?)))
        })
        .collect();
    let mut model = FilesModel {
        internal_networks: object(root.get("networks"))
            .map(|(name, network)| {
                (
                    name.clone(),
                    network.get("internal") == Some(&Value::Bool(true)),
                )
            })
            .collect(),
        ..FilesModel::default()
    };
    for (name, service) in services {
        model.subjects.push(subject(name, service));
        let files: Vec<PathBuf> = array(service.get("secrets"))
            .filter_map(|secret| {
                let source = str_of(secret.get("source")).or_else(|| secret.as_str())?;
                secret_sources.get(source).cloned()
            })
            .collect();
        if !files.is_empty() {
            model.secret_files.insert(name.clone(), files);
        }
    }
    Ok(model)
}

fn subject(name: &str, service: &Value) -> Subject {
    let limits = service.pointer("/deploy/resources/limits");
    Subject {
        service: name.to_string(),
        container: None,
        image: str_of(service.get("image")).map(str::to_string),
        built_here: service.get("build").is_some(),
        user: str_of(service.get("user")).map(str::to_string),
        effective_uid: None,
        effective_caps: None,
        privileged: service.get("privileged") == Some(&Value::Bool(true)),
        cap_add: strings(service.get("cap_add")),
        cap_drop: strings(service.get("cap_drop")),
        security_opt: strings(service.get("security_opt")),
        read_only: service.get("read_only") == Some(&Value::Bool(true)),
        tmpfs: strings(service.get("tmpfs"))
            .into_iter()
            .map(|spec| spec.split(':').next().unwrap_or(&spec).to_string())
            .collect(),
        mounts: array(service.get("volumes")).map(mount).collect(),
        devices: array(service.get("devices"))
            .filter_map(|device| {
                str_of(device.get("source"))
                    .or_else(|| {
                        device
                            .as_str()
                            .map(|spec| spec.split(':').next().unwrap_or(spec))
                    })
                    .map(str::to_string)
            })
            .collect(),
        namespaces: Namespaces {
            network: str_of(service.get("network_mode")).map(str::to_string),
            pid: str_of(service.get("pid")).map(str::to_string),
            ipc: str_of(service.get("ipc")).map(str::to_string),
            uts: str_of(service.get("uts")).map(str::to_string),
            userns: str_of(service.get("userns_mode")).map(str::to_string),
        },
        ports: array(service.get("ports")).filter_map(port).collect(),
        networks: keys_or_strings(service.get("networks")),
        environment: object(service.get("environment"))
            .map(|(key, value)| (key.clone(), str_of(Some(value)).unwrap_or("").to_string()))
            .collect(),
        command: strings(service.get("entrypoint"))
            .into_iter()
            .chain(strings(service.get("command")))
            .collect(),
        healthcheck: match service.get("healthcheck") {
            None => Healthcheck::Missing,
            Some(check) if check.get("disable") == Some(&Value::Bool(true)) => {
                Healthcheck::Disabled
            }
            Some(check)
                if strings(check.get("test")).first().map(String::as_str) == Some("NONE") =>
            {
                Healthcheck::Disabled
            }
            Some(_) => Healthcheck::Present,
        },
        limits: Limits {
            memory_bytes: limits
                .and_then(|l| number(l.get("memory")))
                .or_else(|| number(service.get("mem_limit")))
                .filter(|bytes| *bytes > 0.0)
                .map(|bytes| bytes as u64),
            cpus: limits
                .and_then(|l| number(l.get("cpus")))
                .or_else(|| number(service.get("cpus")))
                .filter(|cpus| *cpus > 0.0),
            pids: limits
                .and_then(|l| number(l.get("pids")))
                .or_else(|| number(service.get("pids_limit")))
                .filter(|pids| *pids > 0.0)
                .map(|pids| pids as i64),
        },
        restart: str_of(service.get("restart"))
            .or_else(|| str_of(service.pointer("/deploy/restart_policy/condition")))
            .map(str::to_string),
        logging: Logging {
            driver: str_of(service.pointer("/logging/driver")).map(str::to_string),
            max_size: str_of(service.pointer("/logging/options/max-size")).map(str::to_string),
        },
        labels: object(service.get("labels"))
            .filter_map(|(key, value)| Some((key.clone(), str_of(Some(value))?.to_string())))
            .collect(),
        files: Vec::new(),
    }
}

fn mount(volume: &Value) -> Mount {
    let kind = match str_of(volume.get("type")) {
        Some("bind") => MountKind::Bind,
        Some("volume") => MountKind::Volume,
        Some("tmpfs") => MountKind::Tmpfs,
        _ => MountKind::Other,
    };
    Mount {
        kind,
        source: str_of(volume.get("source")).unwrap_or("").to_string(),
        target: str_of(volume.get("target")).unwrap_or("").to_string(),
        read_only: volume.get("read_only") == Some(&Value::Bool(true)),
        propagation: str_of(volume.pointer("/bind/propagation")).map(str::to_string),
    }
}

fn port(port: &Value) -> Option<Port> {
    Some(Port {
        host_ip: str_of(port.get("host_ip")).unwrap_or("").to_string(),
        published: number(port.get("published")).map(|p| p as u16),
        target: number(port.get("target"))? as u16,
    })
}

fn str_of(value: Option<&Value>) -> Option<&str> {
    value?.as_str()
}

/// Numbers compose prints as numbers or as strings (`"memory": "67108864"`).
fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn array(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

fn object(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_object).into_iter().flatten()
}

/// A list of strings, or a single string (compose allows `command: "a b"`; split on spaces).
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(text)) => text.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

fn keys_or_strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        other => strings(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
      "name": "t",
      "services": {
        "web": {"image": "nginx:1.27", "user": "101:101", "read_only": true,
                "cap_drop": ["ALL"], "cap_add": ["cap_net_raw"],
                "security_opt": ["no-new-privileges:true"],
                "tmpfs": ["/tmp:rw,size=1m"],
                "ports": [{"host_ip": "127.0.0.1", "target": 8080, "published": "8080"}],
                "networks": {"front": null},
                "deploy": {"resources": {"limits": {"cpus": 0.5, "memory": "67108864", "pids": 64}}},
                "logging": {"driver": "json-file", "options": {"max-size": "10m"}},
                "healthcheck": {"test": ["CMD", "true"]},
                "secrets": [{"source": "pw", "target": "pw"}],
                "restart": "always"},
        "db": {"image": "postgres", "healthcheck": {"disable": true}, "networks": {"back": null},
               "volumes": [{"type": "bind", "source": "/etc", "target": "/h", "bind": {"propagation": "rshared"}}]}
      },
      "networks": {"front": {}, "back": {"internal": true}},
      "secrets": {"pw": {"file": "/srv/secrets/pw"}}
    }"#;

    #[test]
    fn reads_every_field_the_rules_use() {
        let model = parse(CONFIG).expect("valid");
        let web = &model
            .subjects
            .iter()
            .find(|s| s.service == "web")
            .expect("web");
        assert_eq!(web.user.as_deref(), Some("101:101"));
        assert!(web.read_only);
        assert_eq!(Subject::normalised_caps(&web.cap_add), ["NET_RAW"]);
        assert_eq!(web.tmpfs, ["/tmp"]);
        assert_eq!(web.ports[0].published, Some(8080));
        assert_eq!(web.limits.memory_bytes, Some(64 << 20));
        assert_eq!(web.limits.cpus, Some(0.5));
        assert_eq!(web.limits.pids, Some(64));
        assert_eq!(web.logging.max_size.as_deref(), Some("10m"));
        assert_eq!(web.healthcheck, Healthcheck::Present);
        assert_eq!(web.restart.as_deref(), Some("always"));
        let db = &model
            .subjects
            .iter()
            .find(|s| s.service == "db")
            .expect("db");
        assert_eq!(db.healthcheck, Healthcheck::Disabled);
        assert_eq!(db.mounts[0].propagation.as_deref(), Some("rshared"));
        assert_eq!(model.internal_networks.get("back"), Some(&true));
        assert_eq!(
            model.secret_files["web"],
            [PathBuf::from("/srv/secrets/pw")]
        );
    }

    #[test]
    fn rejects_what_is_not_a_model() {
        assert!(parse("nope").is_err());
        assert!(parse("{}").is_err());
    }
}
