//! The OCI archive: an image layout whose blobs match their digests, in Spin's layout for
//! containerd-shim-spin, with the component's bytes unchanged and no secret inside.

use super::support::{self, stack_tui, text};
use serde_json::Value;
use stack_tui::export::image::{self, sha256_digest};
use std::collections::BTreeMap;
use std::io::Read;

/// The archive's files by path.
pub fn unpack(archive: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut reader = tar::Archive::new(archive);
    for entry in reader.entries().expect("a tar archive") {
        let mut entry = entry.expect("tar entry");
        if entry.header().entry_type().is_dir() {
            continue;
        }
        let path = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        files.insert(path, bytes);
    }
    files
}

pub fn blob<'a>(files: &'a BTreeMap<String, Vec<u8>>, digest: &str) -> &'a [u8] {
    let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
    files
        .get(&format!("blobs/sha256/{hex}"))
        .unwrap_or_else(|| panic!("blob {digest} missing"))
}

pub fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON")
}

/// Checks a manifest (and what it points to) against the component; `fetch` reads a blob.
pub fn check_manifest(manifest: &Value, fetch: &dyn Fn(&str) -> Vec<u8>, component: &[u8]) {
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(manifest["mediaType"], image::MANIFEST_MEDIA_TYPE);
    assert_eq!(manifest["config"]["mediaType"], image::CONFIG_MEDIA_TYPE);
    let layers = manifest["layers"].as_array().expect("layers");
    let media_types: Vec<&str> = layers
        .iter()
        .filter_map(|layer| layer["mediaType"].as_str())
        .collect();
    assert_eq!(
        media_types,
        [image::WASM_LAYER_MEDIA_TYPE, image::LOCKED_APP_MEDIA_TYPE]
    );
    for descriptor in layers.iter().chain([&manifest["config"]]) {
        let digest = descriptor["digest"].as_str().expect("digest");
        let bytes = fetch(digest);
        assert_eq!(
            sha256_digest(&bytes),
            digest,
            "blob content matches its digest"
        );
        assert_eq!(
            descriptor["size"].as_u64(),
            Some(bytes.len() as u64),
            "size of {digest}"
        );
    }
    let wasm_digest = layers[0]["digest"].as_str().expect("wasm digest");
    assert_eq!(
        wasm_digest,
        sha256_digest(component),
        "the wasm layer is the component's bytes"
    );
    assert_eq!(fetch(wasm_digest), component);

    let config = json(&fetch(
        manifest["config"]["digest"]
            .as_str()
            .expect("config digest"),
    ));
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasi");
    let locked_digest = layers[1]["digest"].as_str().expect("locked digest");
    assert_eq!(
        config["config"]["Labels"][image::LOCKED_APP_DIGEST_LABEL],
        locked_digest
    );

    let locked = json(&fetch(locked_digest));
    assert_eq!(locked["components"][0]["id"], "edge-app");
    assert_eq!(locked["components"][0]["source"]["digest"], wasm_digest);
    assert_eq!(
        locked["components"][0]["source"]["content_type"],
        "application/wasm"
    );
    assert_eq!(locked["triggers"][0]["trigger_type"], "http");
    assert_eq!(
        locked["triggers"][0]["trigger_config"]["component"],
        "edge-app"
    );
    // Secret variables are declared but carry no value: only defaults are inside.
    for name in ["redis_password", "pg_password"] {
        let variable = &locked["variables"][name];
        assert_eq!(variable["secret"], true, "{name}");
        assert!(
            variable.get("default").is_none(),
            "{name} has a value in the artifact"
        );
    }
    assert_eq!(
        locked["variables"]["message"]["default"],
        "Hello from edge-app"
    );
}

#[test]
fn the_archive_is_a_spin_oci_image_layout_without_secrets() {
    let component = std::fs::read(support::component()).expect("read component");
    let scratch = tempfile::tempdir().expect("temp dir");
    let out = scratch.path().join("edge-app.oci.tar");
    let output = stack_tui(&["export", "image", "--out", &out.to_string_lossy()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("platform wasi/wasm"),
        "{}",
        text(&output.stdout)
    );
    let archive = std::fs::read(&out).expect("archive written");
    let files = unpack(&archive);

    assert_eq!(json(&files["oci-layout"])["imageLayoutVersion"], "1.0.0");
    let index = json(&files["index.json"]);
    assert_eq!(index["mediaType"], image::INDEX_MEDIA_TYPE);
    let entry = &index["manifests"][0];
    assert_eq!(entry["platform"]["os"], "wasi");
    assert_eq!(entry["platform"]["architecture"], "wasm");
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        "0.1.0"
    );
    let manifest_digest = entry["digest"].as_str().expect("manifest digest");
    let manifest_bytes = blob(&files, manifest_digest);
    assert_eq!(sha256_digest(manifest_bytes), manifest_digest);
    let manifest = json(manifest_bytes);
    check_manifest(
        &manifest,
        &|digest| blob(&files, digest).to_vec(),
        &component,
    );
    // Only the blobs the manifest names (no stray content).
    let blobs = files
        .keys()
        .filter(|path| path.starts_with("blobs/"))
        .count();
    assert_eq!(blobs, 4, "{:?}", files.keys());

    // Generated secrets in the project never reach the artifact.
    let secrets = support::repo_root().join("env/secrets");
    for entry in std::fs::read_dir(&secrets).into_iter().flatten().flatten() {
        if let Ok(value) = std::fs::read(entry.path()) {
            let value = String::from_utf8_lossy(&value).trim().to_string();
            if value.len() >= 8 {
                assert!(
                    !text(&archive).contains(&value),
                    "{} is inside the artifact",
                    entry.path().display()
                );
            }
        }
    }
    let locked = text(&archive);
    assert!(
        !locked.contains("REPLACE_ME") && !locked.contains("/run/secrets"),
        "no secret bindings inside"
    );
}
