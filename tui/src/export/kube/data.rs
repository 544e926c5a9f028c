//! Redis and Postgres as StatefulSets with a PersistentVolumeClaim per named compose volume, a
//! headless Service, and their compose bind-mounted folders (redis.conf, the init SQL) as
//! ConfigMaps. The images are the pinned upstream ones from env/common.env (the model is read
//! with the upstream image source), never the offline stand-ins.

use super::config_files::{self, Folder};
use super::stack::{Role, Stack};
use super::workload;
use crate::export::ExportError;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PodSpec, PodTemplateSpec, Service, ServicePort, ServiceSpec, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;
use std::path::Path;

/// Requested size of each data volume (compose volumes have none); change it with a patch.
const DATA_VOLUME_SIZE: &str = "1Gi";
/// Postgres refuses to initialise a data directory that is a volume's root (it may hold
/// lost+found), so the data goes one level down when compose mounts the volume at PGDATA.
const PGDATA_SUBDIR: &str = "pgdata";

/// What one data service exports.
pub struct DataService {
    pub config_maps: Vec<ConfigMap>,
    pub stateful_set: StatefulSet,
    pub service: Service,
}

/// The ConfigMap for a bind-mounted folder: `<service>-config` for a folder named like the
/// service, else `<service>-<folder>`.
fn config_map_name(service: &str, folder: &Path) -> String {
    let base = folder
        .file_name()
        .map(|name| workload::volume_name(&name.to_string_lossy()))
        .unwrap_or_default();
    if base == service || base.is_empty() {
        format!("{service}-config")
    } else {
        format!("{service}-{base}")
    }
}

pub fn data_service(stack: &Stack, role: Role) -> Result<DataService, ExportError> {
    let name = stack.kube_name(role);
    let compose_name = stack.service_name(role);
    let service = stack.service(role);
    let (uid, gid) = workload::user(stack, role)?;
    let image = service
        .image
        .clone()
        .ok_or_else(|| stack.error(format!("service {compose_name} has no image")))?;

    let (mut volumes, mut mounts) = workload::scratch_volumes(service);
    let mut config_maps = Vec::new();
    let mut claims = Vec::new();
    let mut env_overrides = BTreeMap::new();
    for mount in &service.volumes {
        let source = mount.source.clone().unwrap_or_default();
        match mount.kind.as_str() {
            "volume" => {
                if service
                    .environment
                    .get("PGDATA")
                    .cloned()
                    .flatten()
                    .as_deref()
                    == Some(mount.target.as_str())
                {
                    env_overrides.insert(
                        "PGDATA".to_string(),
                        format!("{}/{PGDATA_SUBDIR}", mount.target),
                    );
                }
                claims.push(claim(stack, role, &source));
                mounts.push(VolumeMount {
                    name: source,
                    mount_path: mount.target.clone(),
                    ..VolumeMount::default()
                });
            }
            "bind" if Path::new(&source).is_dir() => {
                let folder = config_files::read_folder(Path::new(&source))?;
                let map_name = config_map_name(&name, Path::new(&source));
                config_maps.push(config_files::config_map(
                    workload::metadata(stack, role, map_name.clone()),
                    &folder,
                ));
                volumes.push(config_volume(&map_name, &folder));
                mounts.push(VolumeMount {
                    name: map_name,
                    mount_path: mount.target.clone(),
                    read_only: Some(true),
                    ..VolumeMount::default()
                });
            }
            other => {
                return Err(stack.error(format!(
                    "service {compose_name} mounts {source} ({other}) at {}; only named volumes \
                     and folders can be exported",
                    mount.target
                )));
            }
        }
    }
    if let Some((volume, mount)) = workload::secret_files(service) {
        volumes.push(volume);
        mounts.push(mount);
    }
    let ports = stack.ports(role);
    let container = workload::container(
        workload::ContainerParts {
            name: name.clone(),
            image,
            service,
            ports: &ports,
            env_overrides: &env_overrides,
            user: (uid, gid),
        },
        mounts,
    );
    let pod = PodSpec {
        containers: vec![container],
        volumes: Some(volumes),
        security_context: Some(workload::pod_security(uid, gid)),
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        termination_grace_period_seconds: service
            .stop_grace_period
            .as_deref()
            .and_then(super::units::seconds)
            .map(i64::from),
        ..PodSpec::default()
    };
    let stateful_set = StatefulSet {
        metadata: workload::metadata(stack, role, name.clone()),
        spec: StatefulSetSpec {
            service_name: Some(name.clone()),
            replicas: Some(1),
            selector: workload::selector(stack, role),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(workload::labels(stack, role)),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            volume_claim_templates: (!claims.is_empty()).then_some(claims),
            ..StatefulSetSpec::default()
        },
        ..StatefulSet::default()
    };
    Ok(DataService {
        config_maps,
        stateful_set,
        service: headless_service(stack, role, &ports),
    })
}

fn config_volume(name: &str, folder: &Folder) -> Volume {
    let items = folder
        .files
        .keys()
        .map(|file| KeyToPath {
            key: file.clone(),
            path: file.clone(),
            mode: folder.executable.contains(file).then_some(0o555),
            ..KeyToPath::default()
        })
        .collect();
    Volume {
        name: name.to_string(),
        config_map: Some(ConfigMapVolumeSource {
            name: name.to_string(),
            items: Some(items),
            default_mode: Some(0o444),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    }
}

fn claim(stack: &Stack, role: Role, name: &str) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(workload::labels(stack, role)),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_string(),
                    Quantity(DATA_VOLUME_SIZE.into()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    }
}

/// Headless: clients resolve the pod itself, and the StatefulSet gets its governing Service.
fn headless_service(stack: &Stack, role: Role, ports: &[(String, i32)]) -> Service {
    Service {
        metadata: workload::metadata(stack, role, stack.kube_name(role)),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            selector: workload::selector(stack, role).match_labels,
            ports: Some(
                ports
                    .iter()
                    .map(|(name, port)| ServicePort {
                        name: Some(name.clone()),
                        port: *port,
                        target_port: Some(IntOrString::String(name.clone())),
                        ..ServicePort::default()
                    })
                    .collect(),
            ),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}
