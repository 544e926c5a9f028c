//! The app as an OCI artifact that SpinKube runs, in the layout `spin registry push` produces
//! (Spin's `crates/oci/src/client.rs`) and containerd-shim-spin loads (its `source.rs`):
//!
//! - one layer per component, media type `application/vnd.wasm.content.layer.v1+wasm`, holding
//!   the component's bytes unchanged;
//! - one layer `application/vnd.fermyon.spin.application.v1+config` holding the locked app
//!   (JSON), whose components point at their wasm layers by digest;
//! - an OCI image config (`application/vnd.oci.image.config.v1+json`, as Spin writes it) with
//!   `architecture: wasm`: runwasi's containerd client reads only that field to decide that an
//!   image is a Wasm image. The platform is `wasi/wasm` (runwasi's own OCI builder writes these
//!   values); a label carries the locked app's digest, as Spin's does.
//!
//! The archive is an OCI image layout in a tar (`oci-layout`, `index.json`, `blobs/sha256/…`)
//! with fixed metadata (times 0, owner 0, sorted entries), so its bytes and digests are
//! reproducible. Secrets are never inside: the locked app keeps only variable defaults.

use super::ExportError;
use super::locked_app::LockedApp;
use super::spin_manifest::SpinManifest;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub const WASM_LAYER_MEDIA_TYPE: &str = "application/vnd.wasm.content.layer.v1+wasm";
pub const LOCKED_APP_MEDIA_TYPE: &str = "application/vnd.fermyon.spin.application.v1+config";
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
pub const PLATFORM_OS: &str = "wasi";
pub const PLATFORM_ARCHITECTURE: &str = "wasm";
/// Spin's config label naming the locked app layer.
pub const LOCKED_APP_DIGEST_LABEL: &str = "com.fermyon.spin.lockedAppDigest";
const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest<'a> {
    schema_version: u32,
    media_type: &'a str,
    config: &'a Descriptor,
    layers: &'a [Descriptor],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Index<'a> {
    schema_version: u32,
    media_type: &'a str,
    manifests: [&'a Descriptor; 1],
}

#[derive(Serialize)]
struct ImageConfig<'a> {
    architecture: &'a str,
    os: &'a str,
    config: ConfigLabels,
    rootfs: RootFs,
}

#[derive(Serialize)]
struct ConfigLabels {
    #[serde(rename = "Labels")]
    labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct RootFs {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<String>,
}

/// A built artifact: the archive's bytes and what it contains.
#[derive(Debug, Clone)]
pub struct OciArtifact {
    pub archive: Vec<u8>,
    pub manifest: Descriptor,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    /// The Spin application's name.
    pub name: String,
    /// The tag recorded in `index.json` (`org.opencontainers.image.ref.name`): the app's version.
    pub tag: String,
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

fn descriptor(media_type: &str, bytes: &[u8]) -> Descriptor {
    Descriptor {
        media_type: media_type.to_string(),
        digest: sha256_digest(bytes),
        size: bytes.len() as u64,
        platform: None,
        annotations: BTreeMap::new(),
    }
}

fn to_json(what: &str, value: &impl Serialize) -> Result<Vec<u8>, ExportError> {
    serde_json::to_vec(value).map_err(|err| ExportError::serialize(what, err))
}

/// Builds the artifact for the Spin manifest at `manifest_path` (its components must be built).
pub fn build(manifest_path: &Path) -> Result<OciArtifact, ExportError> {
    let manifest = SpinManifest::load(manifest_path)?;
    let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut layers = Vec::new();
    let mut digests = BTreeMap::new();
    for (id, path) in manifest.component_paths(manifest_path) {
        if !path.is_file() {
            return Err(ExportError::MissingComponent { path });
        }
        let bytes = std::fs::read(&path).map_err(|source| ExportError::Read { path, source })?;
        let layer = descriptor(WASM_LAYER_MEDIA_TYPE, &bytes);
        digests.insert(id, layer.digest.clone());
        // Components sharing one file share one layer, as Spin deduplicates them.
        if !blobs.contains_key(&layer.digest) {
            layers.push(layer.clone());
            blobs.insert(layer.digest.clone(), bytes);
        }
    }
    let locked = LockedApp::from_manifest(&manifest, &digests)
        .and_then(|locked| serde_json::to_vec_pretty(&locked))
        .map_err(|err| ExportError::serialize("the locked app", err))?;
    let locked_layer = descriptor(LOCKED_APP_MEDIA_TYPE, &locked);
    blobs.insert(locked_layer.digest.clone(), locked);
    layers.push(locked_layer.clone());

    let image_config = ImageConfig {
        architecture: PLATFORM_ARCHITECTURE,
        os: PLATFORM_OS,
        config: ConfigLabels {
            labels: BTreeMap::from([(LOCKED_APP_DIGEST_LABEL.to_string(), locked_layer.digest)]),
        },
        // Layers are stored uncompressed, so each diff id is the layer's digest.
        rootfs: RootFs {
            kind: "layers",
            diff_ids: layers.iter().map(|layer| layer.digest.clone()).collect(),
        },
    };
    let config_bytes = to_json("the OCI image config", &image_config)?;
    let config = descriptor(CONFIG_MEDIA_TYPE, &config_bytes);
    blobs.insert(config.digest.clone(), config_bytes);

    let app = &manifest.application;
    let mut annotations = BTreeMap::from([(
        "org.opencontainers.image.title".to_string(),
        app.name.clone(),
    )]);
    if let Some(version) = &app.version {
        annotations.insert("org.opencontainers.image.version".into(), version.clone());
    }
    if let Some(description) = &app.description {
        annotations.insert(
            "org.opencontainers.image.description".into(),
            description.clone(),
        );
    }
    let manifest_bytes = to_json(
        "the OCI manifest",
        &Manifest {
            schema_version: 2,
            media_type: MANIFEST_MEDIA_TYPE,
            config: &config,
            layers: &layers,
            annotations,
        },
    )?;
    let tag = app.version.clone().unwrap_or_else(|| "latest".into());
    let mut manifest_descriptor = descriptor(MANIFEST_MEDIA_TYPE, &manifest_bytes);
    manifest_descriptor.platform = Some(Platform {
        architecture: PLATFORM_ARCHITECTURE.into(),
        os: PLATFORM_OS.into(),
    });
    manifest_descriptor
        .annotations
        .insert(REF_NAME_ANNOTATION.into(), tag.clone());
    blobs.insert(manifest_descriptor.digest.clone(), manifest_bytes);

    let index = to_json(
        "the OCI index",
        &Index {
            schema_version: 2,
            media_type: INDEX_MEDIA_TYPE,
            manifests: [&manifest_descriptor],
        },
    )?;
    let archive =
        layout_tar(&index, &blobs).map_err(|err| ExportError::serialize("the OCI archive", err))?;
    Ok(OciArtifact {
        archive,
        manifest: manifest_descriptor,
        config,
        layers,
        name: app.name.clone(),
        tag,
    })
}

/// The OCI image layout as a tar with fixed metadata.
fn layout_tar(index: &[u8], blobs: &BTreeMap<String, Vec<u8>>) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for dir in ["blobs/", "blobs/sha256/"] {
        append(&mut builder, dir, &[], tar::EntryType::Directory)?;
    }
    for (digest, bytes) in blobs {
        let hex = digest.trim_start_matches("sha256:");
        append(
            &mut builder,
            &format!("blobs/sha256/{hex}"),
            bytes,
            tar::EntryType::Regular,
        )?;
    }
    append(&mut builder, "index.json", index, tar::EntryType::Regular)?;
    let layout = br#"{"imageLayoutVersion":"1.0.0"}"#;
    append(&mut builder, "oci-layout", layout, tar::EntryType::Regular)?;
    builder.into_inner()
}

fn append(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &str,
    bytes: &[u8],
    kind: tar::EntryType,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    header.set_size(bytes.len() as u64);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    builder.append_data(&mut header, path, bytes)
}
