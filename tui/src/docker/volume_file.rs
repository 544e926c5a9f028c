//! Reads one small file at the root of named volumes without starting anything: a container is
//! created with the volumes mounted read-only but never started, each file comes out through
//! the Engine API's archive download (which mounts a stopped container's volumes), and the
//! container is removed. About a tenth of a second; nothing runs, nothing is written.

use bollard::Docker;
use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, DownloadFromContainerOptionsBuilder, ListImagesOptions,
    RemoveContainerOptionsBuilder,
};
use futures_util::StreamExt;
use std::io::Read;

/// Where volume `i` is mounted in the never-started container.
const MOUNT_ROOT: &str = "/stack-tui-volume";
/// A record is one word; anything longer is cut.
const MAX_BYTES: u64 = 256;

/// An existing volume and its file: Ok(None) when the file is absent, Err with the reason when
/// it could not be read.
#[derive(Debug)]
pub struct VolumeFile {
    pub volume: String,
    pub content: Result<Option<String>, String>,
}

fn not_found(err: &BollardError) -> bool {
    matches!(
        err,
        BollardError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// `file` at the root of each of `volumes` that exists (volumes that do not exist are left out).
/// The container needs an image only for its root filesystem: the first of `images` present
/// locally, else any local image.
pub async fn read_volume_files(
    docker: &Docker,
    volumes: &[String],
    file: &str,
    images: &[String],
) -> anyhow::Result<Vec<VolumeFile>> {
    let mut existing = Vec::new();
    for volume in volumes {
        match docker.inspect_volume(volume).await {
            Ok(_) => existing.push(volume.clone()),
            Err(err) if not_found(&err) => {}
            Err(err) => anyhow::bail!("cannot inspect volume {volume}: {err}"),
        }
    }
    if existing.is_empty() {
        return Ok(Vec::new());
    }
    let Some(image) = local_image(docker, images).await else {
        let why = "no local image to mount the volume in".to_string();
        return Ok(existing
            .into_iter()
            .map(|volume| VolumeFile {
                volume,
                content: Err(why.clone()),
            })
            .collect());
    };
    let binds = existing
        .iter()
        .enumerate()
        .map(|(i, volume)| format!("{volume}:{MOUNT_ROOT}/{i}:ro"))
        .collect();
    let body = ContainerCreateBody {
        image: Some(image.clone()),
        network_disabled: Some(true),
        host_config: Some(HostConfig {
            binds: Some(binds),
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let name = format!(
        "stack-tui-volume-file-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let options = CreateContainerOptionsBuilder::default().name(&name).build();
    let created = docker
        .create_container(Some(options), body)
        .await
        .map_err(|err| {
            anyhow::anyhow!("cannot create a container on {image} to read the volumes: {err}")
        })?;
    let mut read = Vec::new();
    for (i, volume) in existing.into_iter().enumerate() {
        let content = download(docker, &created.id, &format!("{MOUNT_ROOT}/{i}/{file}")).await;
        read.push(VolumeFile { volume, content });
    }
    // Anonymous volumes the image may declare go with it; named ones stay.
    let remove = RemoveContainerOptionsBuilder::default()
        .force(true)
        .v(true)
        .build();
    if let Err(err) = docker.remove_container(&created.id, Some(remove)).await {
        tracing::warn!(%err, "removing {name} failed");
    }
    Ok(read)
}

async fn local_image(docker: &Docker, images: &[String]) -> Option<String> {
    for image in images {
        if docker.inspect_image(image).await.is_ok() {
            return Some(image.clone());
        }
    }
    let all = docker.list_images(None::<ListImagesOptions>).await.ok()?;
    all.into_iter().map(|image| image.id).next()
}

async fn download(docker: &Docker, id: &str, path: &str) -> Result<Option<String>, String> {
    let options = DownloadFromContainerOptionsBuilder::default()
        .path(path)
        .build();
    let mut stream = docker.download_from_container(id, Some(options));
    let mut tar = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => tar.extend_from_slice(&bytes),
            Err(err) if not_found(&err) => return Ok(None),
            Err(err) => return Err(format!("cannot read {path}: {err}")),
        }
    }
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut entries = archive.entries().map_err(|err| err.to_string())?;
    let Some(entry) = entries.next() else {
        return Ok(None);
    };
    let mut text = String::new();
    entry
        .map_err(|err| err.to_string())?
        .take(MAX_BYTES)
        .read_to_string(&mut text)
        .map_err(|err| format!("{path} is not text: {err}"))?;
    Ok(Some(text))
}
