//! Takes a profile beyond one machine: `image` packs the Spin app (component + locked manifest) as
//! an OCI artifact that SpinKube's containerd-shim-spin runs, `kube` turns the profile's merged
//! compose model into kustomize-ready Kubernetes manifests (SpinApp, StatefulSets, NetworkPolicies).
//! Output is deterministic: the same input gives byte-identical files.

mod error;
mod files;
pub mod image;
pub mod kube;
pub mod locked_app;
pub mod push;
pub mod spin_manifest;
pub mod spinapp;

pub use error::ExportError;
pub use files::{write_all, write_file};

use std::path::{Path, PathBuf};

/// The app's Spin manifest, relative to the project root.
pub const SPIN_MANIFEST: &str = "edge-app/spin.toml";
/// Marks every value in the export that a person must fill in before applying it.
pub const PLACEHOLDER_MARKER: &str = "REPLACE_ME";

/// The Spin manifest of a project.
pub fn spin_manifest_path(root: &Path) -> PathBuf {
    root.join(SPIN_MANIFEST)
}
