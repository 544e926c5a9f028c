//! Pieces every pod of the export shares, each taken from the service's compose settings: labels,
//! the hardening compose applies (non-root uid/gid, read-only root filesystem, no capabilities,
//! no privilege escalation, seccomp RuntimeDefault), limits, probes from the healthcheck, tmpfs
//! mounts as memory-backed emptyDirs, and secret files under /run/secrets.

use super::stack::{Role, Service, Stack};
use super::units;
use crate::export::ExportError;
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, ExecAction, KeyToPath,
    PodSecurityContext, Probe, ProjectedVolumeSource, ResourceRequirements, SeccompProfile,
    SecretProjection, SecurityContext, Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

pub const NAME_LABEL: &str = "app.kubernetes.io/name";
const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";
const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Where compose mounts secrets, and where the pods find them too.
pub const SECRETS_DIR: &str = "/run/secrets";
/// Secret files: readable by the owner and the pod's fsGroup (the service's gid) only.
const SECRET_FILE_MODE: i32 = 0o440;

/// The labels of a role's objects and pods.
pub fn labels(stack: &Stack, role: Role) -> BTreeMap<String, String> {
    labels_named(stack, &stack.kube_name(role), role.label())
}

/// The labels of a workload named `name` playing `component` (also one outside the four roles,
/// such as the migrations Job).
pub fn labels_named(stack: &Stack, name: &str, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_string(), name.to_string()),
        (COMPONENT_LABEL.to_string(), component.to_string()),
        (PART_OF_LABEL.to_string(), stack.namespace.clone()),
        (MANAGED_BY_LABEL.to_string(), "stack-tui".to_string()),
    ])
}

/// The one label selectors use.
pub fn selector(stack: &Stack, role: Role) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(
            NAME_LABEL.to_string(),
            stack.kube_name(role),
        )])),
        ..LabelSelector::default()
    }
}

pub fn metadata(stack: &Stack, role: Role, name: impl Into<String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        labels: Some(labels(stack, role)),
        ..ObjectMeta::default()
    }
}

/// The service's `user: uid:gid`; every service of the stack runs as a fixed non-root user.
pub fn user(stack: &Stack, role: Role) -> Result<(i64, i64), ExportError> {
    let name = stack.service_name(role);
    let text = stack.service(role).user.as_deref().unwrap_or_default();
    match units::user(text) {
        Some((uid, gid)) if uid != 0 => Ok((uid, gid)),
        _ => Err(stack.error(format!(
            "service {name} has `user: {text:?}`; the export needs a numeric non-root uid:gid"
        ))),
    }
}

fn runtime_default() -> Option<SeccompProfile> {
    Some(SeccompProfile {
        type_: "RuntimeDefault".into(),
        ..SeccompProfile::default()
    })
}

pub fn pod_security(uid: i64, gid: i64) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(gid),
        // Volumes (claims, secret files) become group-owned by the service's gid.
        fs_group: Some(gid),
        seccomp_profile: runtime_default(),
        ..PodSecurityContext::default()
    }
}

pub fn container_security(uid: i64, gid: i64) -> SecurityContext {
    SecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(gid),
        read_only_root_filesystem: Some(true),
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Capabilities::default()
        }),
        seccomp_profile: runtime_default(),
        ..SecurityContext::default()
    }
}

/// The service's compose limits (`deploy.resources.limits`) as both limits and requests, so pods
/// get the Guaranteed class. Compose's `pids` has no per-container equivalent in Kubernetes.
pub fn limits(service: &Service) -> BTreeMap<String, Quantity> {
    let limits = service
        .deploy
        .as_ref()
        .and_then(|deploy| deploy.resources.as_ref())
        .and_then(|resources| resources.limits.as_ref());
    let mut quantities = BTreeMap::new();
    if let Some(limits) = limits {
        if let Some(cpu) = limits.cpus.as_ref().and_then(units::cpu) {
            quantities.insert("cpu".to_string(), cpu);
        }
        if let Some(memory) = limits.memory.as_ref().and_then(units::memory) {
            quantities.insert("memory".to_string(), memory);
        }
    }
    quantities
}

pub fn resources(service: &Service) -> Option<ResourceRequirements> {
    let limits = limits(service);
    (!limits.is_empty()).then(|| ResourceRequirements {
        limits: Some(limits.clone()),
        requests: Some(limits),
        ..ResourceRequirements::default()
    })
}

pub fn replicas(service: &Service) -> i32 {
    service
        .deploy
        .as_ref()
        .and_then(|deploy| deploy.replicas)
        .and_then(|replicas| i32::try_from(replicas).ok())
        .unwrap_or(1)
}

/// The healthcheck's command as an exec probe: `CMD` runs as is, `CMD-SHELL` through /bin/sh.
/// Compose keeps `$$` escaped in its model; Docker runs it as `$`.
fn healthcheck_command(test: &[String]) -> Option<Vec<String>> {
    let (kind, rest) = test.split_first()?;
    let unescape = |arg: &String| arg.replace("$$", "$");
    match kind.as_str() {
        "CMD" => Some(rest.iter().map(unescape).collect()),
        "CMD-SHELL" => Some(vec![
            "/bin/sh".into(),
            "-c".into(),
            rest.iter().map(unescape).collect::<Vec<_>>().join(" "),
        ]),
        _ => None,
    }
}

/// Liveness and readiness probes with the healthcheck's command, interval, timeout and retries;
/// the liveness probe waits the start period first.
pub fn probes(service: &Service) -> (Option<Probe>, Option<Probe>) {
    let Some(check) = service.healthcheck.as_ref().filter(|check| !check.disable) else {
        return (None, None);
    };
    let Some(command) = healthcheck_command(&check.test) else {
        return (None, None);
    };
    let readiness = Probe {
        exec: Some(ExecAction {
            command: Some(command),
        }),
        period_seconds: check.interval.as_deref().and_then(units::seconds),
        timeout_seconds: check.timeout.as_deref().and_then(units::seconds),
        failure_threshold: check
            .retries
            .and_then(|retries| i32::try_from(retries).ok()),
        ..Probe::default()
    };
    let liveness = Probe {
        initial_delay_seconds: check.start_period.as_deref().and_then(units::seconds),
        ..readiness.clone()
    };
    (Some(liveness), Some(readiness))
}

/// A volume name from a path: `/var/run/postgresql` → `var-run-postgresql`.
pub fn volume_name(path: &str) -> String {
    let name: String = path
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() { "root".into() } else { name }
}

/// Compose's tmpfs mounts (and `shm_size` as /dev/shm) as memory-backed emptyDirs with the same
/// size limits: the writable paths of a read-only root filesystem.
pub fn scratch_volumes(service: &Service) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut entries: Vec<(String, Option<u64>)> = service
        .tmpfs
        .iter()
        .map(|entry| units::tmpfs(entry))
        .collect();
    if let Some(shm) = &service.shm_size {
        let bytes = match shm {
            serde_json::Value::String(text) => units::docker_size(text),
            serde_json::Value::Number(number) => number.as_u64(),
            _ => None,
        };
        entries.push(("/dev/shm".into(), bytes));
    }
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (path, size) in entries {
        let name = volume_name(&path);
        volumes.push(Volume {
            name: name.clone(),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: Some("Memory".into()),
                size_limit: size.map(units::bytes_quantity),
                ..EmptyDirVolumeSource::default()
            }),
            ..Volume::default()
        });
        mounts.push(VolumeMount {
            name,
            mount_path: path,
            ..VolumeMount::default()
        });
    }
    (volumes, mounts)
}

/// The Kubernetes Secret holding compose secret file `file_name` (key: the same file name).
pub fn secret_name(file_name: &str) -> String {
    file_name.replace('_', "-")
}

/// The service's compose secrets, each from its own Secret, as files under /run/secrets.
pub fn secret_files(service: &Service) -> Option<(Volume, VolumeMount)> {
    if service.secrets.is_empty() {
        return None;
    }
    let mut files: Vec<&str> = service
        .secrets
        .iter()
        .map(|secret| secret.file_name())
        .collect();
    files.sort_unstable();
    let sources = files
        .iter()
        .map(|file| VolumeProjection {
            secret: Some(SecretProjection {
                name: secret_name(file),
                items: Some(vec![KeyToPath {
                    key: file.to_string(),
                    path: file.to_string(),
                    mode: Some(SECRET_FILE_MODE),
                    ..KeyToPath::default()
                }]),
                ..SecretProjection::default()
            }),
            ..VolumeProjection::default()
        })
        .collect();
    let volume = Volume {
        name: "secrets".into(),
        projected: Some(ProjectedVolumeSource {
            sources: Some(sources),
            default_mode: Some(SECRET_FILE_MODE),
            ..ProjectedVolumeSource::default()
        }),
        ..Volume::default()
    };
    let mount = VolumeMount {
        name: "secrets".into(),
        mount_path: SECRETS_DIR.into(),
        read_only: Some(true),
        ..VolumeMount::default()
    };
    Some((volume, mount))
}

/// The service's environment, with `overrides` applied (name → value).
/// What a service's one container is made of besides its mounts.
pub struct ContainerParts<'a> {
    pub name: String,
    pub image: String,
    pub service: &'a Service,
    /// (name, container port)
    pub ports: &'a [(String, i32)],
    /// Environment values the cluster needs instead of compose's.
    pub env_overrides: &'a BTreeMap<String, String>,
    /// (uid, gid) as in compose.
    pub user: (i64, i64),
}

/// The container of a Deployment or StatefulSet: command, environment, ports, limits, probes
/// and the hardened security context, all from the compose service.
pub fn container(parts: ContainerParts<'_>, mounts: Vec<VolumeMount>) -> Container {
    let ContainerParts {
        name,
        image,
        service,
        ports,
        env_overrides,
        user: (uid, gid),
    } = parts;
    let (liveness, readiness) = probes(service);
    Container {
        name,
        image: Some(image),
        command: service.entrypoint.clone(),
        args: service.command.clone(),
        env: env(service, env_overrides),
        ports: Some(
            ports
                .iter()
                .map(|(port_name, port)| ContainerPort {
                    name: Some(port_name.clone()),
                    container_port: *port,
                    ..ContainerPort::default()
                })
                .collect(),
        ),
        resources: resources(service),
        liveness_probe: liveness,
        readiness_probe: readiness,
        security_context: Some(container_security(uid, gid)),
        volume_mounts: Some(mounts),
        ..Container::default()
    }
}

pub fn env(service: &Service, overrides: &BTreeMap<String, String>) -> Option<Vec<EnvVar>> {
    let vars: Vec<EnvVar> = service
        .environment
        .iter()
        .map(|(name, value)| EnvVar {
            name: name.clone(),
            value: overrides.get(name).cloned().or_else(|| value.clone()),
            ..EnvVar::default()
        })
        .collect();
    (!vars.is_empty()).then_some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthchecks_become_exec_commands() {
        let cmd = ["CMD", "pg_isready", "-h", "127.0.0.1"].map(String::from);
        assert_eq!(
            healthcheck_command(&cmd).expect("cmd"),
            ["pg_isready", "-h", "127.0.0.1"]
        );
        let shell = ["CMD-SHELL", "X=\"$$(cat f)\" redis-cli ping"].map(String::from);
        assert_eq!(
            healthcheck_command(&shell).expect("shell"),
            ["/bin/sh", "-c", "X=\"$(cat f)\" redis-cli ping"]
        );
        assert_eq!(healthcheck_command(&["NONE".to_string()]), None);
    }

    #[test]
    fn volume_names_are_dns_labels() {
        assert_eq!(volume_name("/var/run/postgresql"), "var-run-postgresql");
        assert_eq!(volume_name("/tmp"), "tmp");
        assert_eq!(secret_name("db_password"), "db-password");
    }
}
