//! nginx as a Deployment with proxy-config/ as ConfigMaps (one per folder, projected into one
//! read-only volume at /etc/nginx), the profile's site as sites-enabled/, TLS from a
//! `kubernetes.io/tls` Secret, and a Service. Two Docker facts in the config are translated to
//! the cluster: the resolver (Docker's embedded DNS → the cluster DNS) and the app's address
//! (the compose service and port → the SpinApp's Service).

use super::config_files::{self, Folder};
use super::stack::{Role, Stack};
use super::workload;
use crate::export::ExportError;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, KeyToPath, PodSpec, PodTemplateSpec, ProjectedVolumeSource, SecretProjection,
    Service, ServicePort, ServiceSpec, Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use regex::Regex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where compose mounts proxy-config/ and the profile's site.
const CONFIG_DIR: &str = "/etc/nginx";
const SITES_DIR: &str = "/etc/nginx/sites-enabled";
/// Folders of proxy-config/ that are not mounted as they are: tls/ is generated locally (the
/// cluster's comes from a Secret), sites/ holds every profile's site (the profile's one becomes
/// sites-enabled/), sites-enabled/ is only a mount point.
const NOT_MOUNTED: [&str; 3] = ["tls", "sites", "sites-enabled"];
/// The TLS Secret (placeholder) and its standard keys.
pub const TLS_SECRET: &str = "nginx-tls";
pub const TLS_CERT_KEY: &str = "tls.crt";
pub const TLS_KEY_KEY: &str = "tls.key";
const CLUSTER_DNS: &str = "kube-dns.kube-system.svc.cluster.local";
const CLUSTER_DOMAIN: &str = "svc.cluster.local";
const DOCKER_DNS: &str = "127.0.0.11";

pub struct Proxy {
    pub config_maps: Vec<ConfigMap>,
    pub deployment: Deployment,
    pub service: Service,
    pub uses_tls: bool,
}

fn bind_source(stack: &Stack, target: &str) -> Option<PathBuf> {
    stack
        .service(Role::Entry)
        .volumes
        .iter()
        .find(|mount| mount.kind == "bind" && mount.target == target)
        .and_then(|mount| mount.source.as_ref().map(PathBuf::from))
}

/// The profile's site files (what compose mounts at sites-enabled/).
fn site(stack: &Stack) -> Option<Folder> {
    config_files::read_folder(&bind_source(stack, SITES_DIR)?).ok()
}

/// The port the site serves TLS on (`listen 8443 ssl`), if it does.
pub fn tls_listen_port(stack: &Stack) -> Option<i32> {
    let pattern = Regex::new(r"(?m)^\s*listen\s+(\d+)\s+[^;]*\bssl\b").ok()?;
    site(stack)?
        .files
        .values()
        .find_map(|text| pattern.captures(text)?.get(1)?.as_str().parse().ok())
}

/// Files the site reads for TLS: (directive, path under /etc/nginx).
fn tls_files(site: &Folder) -> Vec<(String, String)> {
    let Ok(pattern) = Regex::new(r"(?m)^\s*(ssl_certificate|ssl_certificate_key)\s+(\S+);") else {
        return Vec::new();
    };
    let mut files: Vec<(String, String)> = site
        .files
        .values()
        .flat_map(|text| pattern.captures_iter(text))
        .filter_map(|found| {
            let path = found.get(2)?.as_str();
            let relative = path.strip_prefix(CONFIG_DIR)?.trim_start_matches('/');
            Some((found.get(1)?.as_str().to_string(), relative.to_string()))
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

/// The config with Docker's DNS and the app's compose address replaced by the cluster's.
fn translate(stack: &Stack, folders: &mut BTreeMap<String, Folder>) -> Result<(), ExportError> {
    let app_host = format!(
        "{}.{}.{CLUSTER_DOMAIN}:{}",
        stack.kube_name(Role::App),
        stack.namespace,
        crate::export::spinapp::HTTP_PORT
    );
    let upstream = Regex::new(&format!(
        r"(https?://){}:\d+",
        regex::escape(stack.service_name(Role::App))
    ))
    .map_err(|err| stack.error(err.to_string()))?;
    let resolver = Regex::new(&format!(r"(resolver\s+){}\b", regex::escape(DOCKER_DNS)))
        .map_err(|err| stack.error(err.to_string()))?;
    let mut found_upstream = false;
    for folder in folders.values_mut() {
        for text in folder.files.values_mut() {
            found_upstream |= upstream.is_match(text);
            let replaced = upstream.replace_all(text, format!("${{1}}{app_host}"));
            let replaced = resolver.replace_all(&replaced, format!("${{1}}{CLUSTER_DNS}"));
            *text = replaced.into_owned();
        }
    }
    if !found_upstream {
        return Err(stack.error(format!(
            "proxy-config never names the app as http://{}:<port>; the export points nginx at \
             the SpinApp's Service by rewriting that address",
            stack.service_name(Role::App)
        )));
    }
    Ok(())
}

/// ConfigMap name of a proxy-config folder ("" is the folder itself).
fn config_map_name(folder: &str) -> String {
    match folder {
        "" => "nginx-config".into(),
        other => format!("nginx-{}", workload::volume_name(other)),
    }
}

fn read_config(stack: &Stack) -> Result<BTreeMap<String, Folder>, ExportError> {
    let compose_name = stack.service_name(Role::Entry);
    let root = bind_source(stack, CONFIG_DIR).ok_or_else(|| {
        stack.error(format!(
            "service {compose_name} mounts nothing at {CONFIG_DIR}"
        ))
    })?;
    let mut folders = BTreeMap::from([(String::new(), config_files::read_folder(&root)?)]);
    let entries = std::fs::read_dir(&root).map_err(|source| ExportError::Read {
        path: root.clone(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.path().is_dir() && !name.starts_with('.') && !NOT_MOUNTED.contains(&name.as_str())
        {
            folders.insert(name, config_files::read_folder(&entry.path())?);
        }
    }
    if let Some(site) = bind_source(stack, SITES_DIR) {
        folders.insert(
            "sites-enabled".into(),
            config_files::read_folder(Path::new(&site))?,
        );
    }
    translate(stack, &mut folders)?;
    Ok(folders)
}

pub fn proxy(stack: &Stack) -> Result<Proxy, ExportError> {
    let role = Role::Entry;
    let name = stack.kube_name(role);
    let service = stack.service(role);
    let (uid, gid) = workload::user(stack, role)?;
    let image = service
        .image
        .clone()
        .ok_or_else(|| stack.error(format!("service {} has no image", stack.service_name(role))))?;
    let folders = read_config(stack)?;
    let tls = folders
        .get("sites-enabled")
        .map(tls_files)
        .unwrap_or_default();

    let mut config_maps = Vec::new();
    let mut sources = Vec::new();
    for (folder, files) in &folders {
        let map_name = config_map_name(folder);
        config_maps.push(config_files::config_map(
            workload::metadata(stack, role, map_name.clone()),
            files,
        ));
        sources.push(VolumeProjection {
            config_map: Some(config_files::projection(&map_name, files, folder)),
            ..VolumeProjection::default()
        });
    }
    if !tls.is_empty() {
        let items = tls
            .iter()
            .map(|(directive, path)| KeyToPath {
                key: if directive == "ssl_certificate" {
                    TLS_CERT_KEY
                } else {
                    TLS_KEY_KEY
                }
                .into(),
                path: path.clone(),
                mode: Some(0o440),
                ..KeyToPath::default()
            })
            .collect();
        sources.push(VolumeProjection {
            secret: Some(SecretProjection {
                name: TLS_SECRET.into(),
                items: Some(items),
                ..SecretProjection::default()
            }),
            ..VolumeProjection::default()
        });
    }
    let (mut volumes, mut mounts) = workload::scratch_volumes(service);
    volumes.push(Volume {
        name: "nginx-config".into(),
        projected: Some(ProjectedVolumeSource {
            sources: Some(sources),
            default_mode: Some(0o444),
            ..ProjectedVolumeSource::default()
        }),
        ..Volume::default()
    });
    mounts.push(VolumeMount {
        name: "nginx-config".into(),
        mount_path: CONFIG_DIR.into(),
        read_only: Some(true),
        ..VolumeMount::default()
    });

    let ports = stack.ports(role);
    let service_port = |port_name: &str| if port_name == "https" { 443 } else { 80 };
    // A value that is the host port compose publishes (e.g. the public HTTPS port the redirect
    // names) becomes the Service's port: in the cluster, that is what clients reach.
    let mut env_overrides = BTreeMap::new();
    for (key, value) in &service.environment {
        let published = service
            .ports
            .iter()
            .find(|port| port.published().is_some() && port.published() == *value);
        if let Some(port) = published
            && let Some((port_name, _)) = ports.iter().find(|(_, p)| *p == i32::from(port.target))
        {
            env_overrides.insert(key.clone(), service_port(port_name).to_string());
        }
    }
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
    let deployment = Deployment {
        metadata: workload::metadata(stack, role, name.clone()),
        spec: DeploymentSpec {
            replicas: Some(workload::replicas(service)),
            selector: workload::selector(stack, role),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(workload::labels(stack, role)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    volumes: Some(volumes),
                    security_context: Some(workload::pod_security(uid, gid)),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        },
        ..Deployment::default()
    };
    let service = Service {
        metadata: workload::metadata(stack, role, name),
        spec: Some(ServiceSpec {
            selector: workload::selector(stack, role).match_labels,
            ports: Some(
                ports
                    .iter()
                    .map(|(port_name, _)| ServicePort {
                        name: Some(port_name.clone()),
                        port: service_port(port_name),
                        target_port: Some(IntOrString::String(port_name.clone())),
                        ..ServicePort::default()
                    })
                    .collect(),
            ),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };
    Ok(Proxy {
        config_maps,
        deployment,
        service,
        uses_tls: !tls.is_empty(),
    })
}
