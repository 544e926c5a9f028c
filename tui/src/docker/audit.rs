//! The audit's runtime source: subjects from `docker inspect` of running containers, plus the main
//! process's effective uid and capabilities from `/proc/<pid>/status` where the daemon is local.

use super::query::{inspect_project, project_networks};
use bollard::Docker;
use bollard::models::{ContainerInspectResponse, MountPointTypeEnum};
use stack_core::audit::host_files;
use stack_core::audit::subject::{
    Healthcheck, Limits, Logging, Mount, MountKind, Namespaces, Port, Subject,
};
use std::collections::{BTreeMap, HashMap};

const SERVICE_LABEL: &str = "com.docker.compose.service";

/// Secrets mounted by compose land here; their host files are checked like the files' secrets.
const SECRETS_DIR: &str = "/run/secrets/";

/// The running containers of a project as audit subjects, and its networks (compose name →
/// internal).
pub async fn project_subjects(
    docker: &Docker,
    project: &str,
) -> Result<(Vec<Subject>, BTreeMap<String, bool>), bollard::errors::Error> {
    let networks = project_networks(docker, project).await?;
    let local_daemon = super::endpoint::current().is_ok_and(|endpoint| !endpoint.is_remote());
    let names: HashMap<String, String> = networks
        .iter()
        .map(|n| (n.name.clone(), n.compose_name.clone()))
        .collect();
    let internal = networks
        .iter()
        .map(|n| (n.compose_name.clone(), n.internal))
        .collect();
    let mut registry_images: HashMap<String, bool> = HashMap::new();
    let mut subjects = Vec::new();
    for inspect in inspect_project(docker, project, false).await? {
        let mut subject = subject(&inspect, &names);
        if let Some(image) = subject.image.clone() {
            let from_registry = match registry_images.get(&image) {
                Some(known) => *known,
                None => {
                    // An image with no registry digest was built (or imported) here.
                    let known = docker
                        .inspect_image(&image)
                        .await
                        .map(|details| !details.repo_digests.unwrap_or_default().is_empty())
                        .unwrap_or(false);
                    registry_images.insert(image, known);
                    known
                }
            };
            subject.built_here = !from_registry;
        }
        let pid = inspect
            .state
            .as_ref()
            .and_then(|state| state.pid)
            .unwrap_or(0);
        // A remote daemon's pids name other processes here (or none).
        if local_daemon && let Some((uid, caps)) = process_identity(pid) {
            subject.effective_uid = Some(uid);
            subject.effective_caps = Some(caps);
        }
        let secret_sources: Vec<std::path::PathBuf> = subject
            .mounts
            .iter()
            .filter(|mount| mount.target.starts_with(SECRETS_DIR))
            .map(|mount| mount.source.clone().into())
            .collect();
        subject.files = host_files::secrets(&secret_sources);
        subject.files.extend(host_files::pems(&subject.mounts));
        subjects.push(subject);
    }
    subjects.sort_by(|a, b| (&a.service, &a.container).cmp(&(&b.service, &b.container)));
    Ok((subjects, internal))
}

/// A container as the rules see it. `networks` maps engine network names to compose names.
fn subject(inspect: &ContainerInspectResponse, networks: &HashMap<String, String>) -> Subject {
    let config = inspect.config.clone().unwrap_or_default();
    let host = inspect.host_config.clone().unwrap_or_default();
    let labels: BTreeMap<String, String> = config
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let name = inspect
        .name
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    let mut ports: Vec<Port> = host
        .port_bindings
        .clone()
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(spec, bindings)| {
            let target = spec
                .split('/')
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            bindings
                .unwrap_or_default()
                .into_iter()
                .map(move |binding| Port {
                    host_ip: binding.host_ip.unwrap_or_default(),
                    published: binding.host_port.and_then(|p| p.parse().ok()),
                    target,
                })
        })
        .collect();
    ports.sort_by_key(|port| (port.target, port.published));
    let mut attached: Vec<String> = inspect
        .network_settings
        .as_ref()
        .and_then(|settings| settings.networks.as_ref())
        .map(|map| {
            map.keys()
                .map(|engine| {
                    networks
                        .get(engine)
                        .cloned()
                        .unwrap_or_else(|| engine.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    attached.sort();
    let health_test = config
        .healthcheck
        .as_ref()
        .and_then(|check| check.test.clone());
    let log_config = host.log_config.clone().unwrap_or_default();
    Subject {
        service: labels
            .get(SERVICE_LABEL)
            .cloned()
            .unwrap_or_else(|| name.clone()),
        container: Some(name),
        image: config.image.clone(),
        built_here: false,
        user: config.user.clone().filter(|user| !user.is_empty()),
        effective_uid: None,
        effective_caps: None,
        privileged: host.privileged.unwrap_or(false),
        cap_add: host.cap_add.clone().unwrap_or_default(),
        cap_drop: host.cap_drop.clone().unwrap_or_default(),
        security_opt: host.security_opt.clone().unwrap_or_default(),
        read_only: host.readonly_rootfs.unwrap_or(false),
        tmpfs: host.tmpfs.clone().unwrap_or_default().into_keys().collect(),
        mounts: inspect
            .mounts
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|point| Mount {
                kind: match point.typ {
                    Some(MountPointTypeEnum::BIND) => MountKind::Bind,
                    Some(MountPointTypeEnum::VOLUME) => MountKind::Volume,
                    Some(MountPointTypeEnum::TMPFS) => MountKind::Tmpfs,
                    _ => MountKind::Other,
                },
                source: point.source.unwrap_or_default(),
                target: point.destination.unwrap_or_default(),
                read_only: !point.rw.unwrap_or(true),
                propagation: point.propagation.filter(|p| !p.is_empty()),
            })
            .collect(),
        devices: host
            .devices
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|device| device.path_on_host)
            .collect(),
        namespaces: Namespaces {
            network: host.network_mode.clone(),
            pid: host.pid_mode.clone().filter(|mode| !mode.is_empty()),
            ipc: host.ipc_mode.clone().filter(|mode| mode == "host"),
            uts: host.uts_mode.clone().filter(|mode| !mode.is_empty()),
            userns: host.userns_mode.clone().filter(|mode| !mode.is_empty()),
        },
        ports,
        networks: attached,
        environment: config
            .env
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                Some((key.to_string(), value.to_string()))
            })
            .collect(),
        command: inspect
            .path
            .iter()
            .cloned()
            .chain(inspect.args.clone().unwrap_or_default())
            .collect(),
        healthcheck: match health_test.as_deref() {
            None | Some([]) => Healthcheck::Missing,
            Some([first, ..]) if first == "NONE" => Healthcheck::Disabled,
            Some(_) => Healthcheck::Present,
        },
        limits: Limits {
            memory_bytes: host.memory.filter(|m| *m > 0).map(|m| m as u64),
            cpus: host
                .nano_cpus
                .filter(|n| *n > 0)
                .map(|n| n as f64 / 1e9)
                .or_else(|| {
                    let quota = host.cpu_quota.filter(|q| *q > 0)?;
                    let period = host.cpu_period.filter(|p| *p > 0).unwrap_or(100_000);
                    Some(quota as f64 / period as f64)
                }),
            pids: host.pids_limit.filter(|p| *p > 0),
        },
        restart: host
            .restart_policy
            .as_ref()
            .and_then(|policy| policy.name)
            .map(|name| name.to_string())
            .filter(|name| !name.is_empty()),
        logging: Logging {
            driver: log_config.typ.clone(),
            max_size: log_config
                .config
                .as_ref()
                .and_then(|config| config.get("max-size").cloned()),
        },
        labels,
        files: Vec::new(),
    }
}

/// Effective uid and capabilities of a process, from `/proc/<pid>/status`; `None` where the
/// process is not visible (a remote daemon, or gone).
pub fn process_identity(pid: i64) -> Option<(u32, u64)> {
    if pid <= 0 {
        return None;
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status(&status)
}

fn parse_status(status: &str) -> Option<(u32, u64)> {
    let field = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .map(str::trim)
    };
    // `Uid:` lists real, effective, saved and filesystem ids.
    let uid = field("Uid:")?.split_whitespace().nth(1)?.parse().ok()?;
    let caps = u64::from_str_radix(field("CapEff:")?, 16).ok()?;
    Some((uid, caps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_status_gives_the_effective_uid_and_capabilities() {
        let status = "Name:\tredis\nUid:\t999\t0\t999\t999\nCapEff:\t00000000a80425fb\n";
        assert_eq!(parse_status(status), Some((0, 0xa804_25fb)));
        assert_eq!(parse_status("Name:\tx\n"), None);
    }
}
