//! The schema migrations as a Job: the profile's one-shot migrations service (compose's
//! `migrate`, `edge-host migrate`) with the migration files of compose/db/migrations in a
//! ConfigMap mounted where it reads them. The Job's name carries a digest of those files, so
//! exporting new migrations makes a new Job (a Job's pod template cannot change), and re-applying
//! the same folder changes nothing. It may start before Postgres is ready: it retries.

use super::config_files::{self, Folder};
use super::stack::{Service, Stack};
use super::workload;
use crate::export::ExportError;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, PodSpec, PodTemplateSpec, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};
use stack_core::model::MIGRATIONS_ROLE;
use std::collections::BTreeMap;

/// Where `edge-host migrate` reads the files (its `--dir` in the compose service).
const MIGRATIONS_PATH: &str = "/migrations";
/// The folder the app image bakes in, used when the profile mounts none (prod).
const PROJECT_FOLDER: &str = "compose/db/migrations";
/// Attempts before the Job gives up (Postgres may still be starting; each attempt also waits
/// for the connection itself).
const BACKOFF_LIMIT: i32 = 6;

/// What the export adds for migrations.
pub struct Migrations {
    /// The Job's (and its pods') name label, for the NetworkPolicies.
    pub name: String,
    pub config_map: ConfigMap,
    pub job: Job,
}

/// The compose service labelled `stack-tui.role: migrations`, if the profile has one.
pub fn service(stack: &Stack) -> Option<(&String, &Service)> {
    stack.services.iter().find(|(_, service)| {
        service
            .labels
            .get(super::stack::ROLE_LABEL)
            .map(String::as_str)
            == Some(MIGRATIONS_ROLE)
    })
}

/// The Job and its ConfigMap, running `image` (an image with edge-host: the stack's app image).
pub fn migrations(stack: &Stack, image: &str) -> Result<Option<Migrations>, ExportError> {
    let Some((name, service)) = service(stack) else {
        return Ok(None);
    };
    let folder_path = service
        .volumes
        .iter()
        .find(|mount| mount.kind == "bind" && mount.target == MIGRATIONS_PATH)
        .and_then(|mount| mount.source.clone())
        .map_or_else(|| stack.root.join(PROJECT_FOLDER), Into::into);
    let folder = config_files::read_folder(&folder_path)?;
    if folder.files.is_empty() {
        return Err(stack.error(format!(
            "service {name} applies the migrations in {}, which has none",
            folder_path.display()
        )));
    }
    let labels = workload::labels_named(stack, name, MIGRATIONS_ROLE);
    let metadata = |object: String| ObjectMeta {
        name: Some(object),
        labels: Some(labels.clone()),
        ..ObjectMeta::default()
    };
    let map_name = format!("{name}-files");
    let config_map = config_files::config_map(metadata(map_name.clone()), &folder);

    let (uid, gid) = match super::units::user(service.user.as_deref().unwrap_or_default()) {
        Some((uid, gid)) if uid != 0 => (uid, gid),
        _ => {
            return Err(stack.error(format!(
                "service {name} needs a numeric non-root `user: uid:gid` to be exported"
            )));
        }
    };
    let (mut volumes, mut mounts) = workload::scratch_volumes(service);
    volumes.push(Volume {
        name: map_name.clone(),
        config_map: Some(ConfigMapVolumeSource {
            name: map_name.clone(),
            default_mode: Some(0o444),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    });
    mounts.push(VolumeMount {
        name: map_name,
        mount_path: MIGRATIONS_PATH.into(),
        read_only: Some(true),
        ..VolumeMount::default()
    });
    if let Some((volume, mount)) = workload::secret_files(service) {
        volumes.push(volume);
        mounts.push(mount);
    }
    let mut container = workload::container(
        workload::ContainerParts {
            name: name.clone(),
            image: image.to_string(),
            service,
            ports: &[],
            env_overrides: &BTreeMap::new(),
            user: (uid, gid),
        },
        mounts,
    );
    container.ports = None;
    let job_name = format!("{name}-{}", digest(&folder));
    let job = Job {
        metadata: metadata(job_name),
        spec: Some(JobSpec {
            backoff_limit: Some(BACKOFF_LIMIT),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels.clone()),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    restart_policy: Some("Never".into()),
                    volumes: Some(volumes),
                    security_context: Some(workload::pod_security(uid, gid)),
                    automount_service_account_token: Some(false),
                    enable_service_links: Some(false),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    };
    Ok(Some(Migrations {
        name: name.clone(),
        config_map,
        job,
    }))
}

/// The first 10 hex digits of a SHA-256 over the files' names and contents, in name order.
fn digest(folder: &Folder) -> String {
    let mut hasher = Sha256::new();
    for (file, text) in &folder.files {
        hasher.update(file.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(5)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_follows_names_and_contents() {
        let folder = |files: &[(&str, &str)]| Folder {
            files: files
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string()))
                .collect(),
            executable: Vec::new(),
        };
        let one = digest(&folder(&[("V1__a.sql", "SELECT 1;")]));
        assert_eq!(one.len(), 10);
        assert_eq!(one, digest(&folder(&[("V1__a.sql", "SELECT 1;")])));
        assert_ne!(one, digest(&folder(&[("V1__a.sql", "SELECT 2;")])));
        assert_ne!(one, digest(&folder(&[("V1__b.sql", "SELECT 1;")])));
    }
}
