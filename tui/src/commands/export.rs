//! `stack-tui export kube|image`: write (and push) what the profile needs beyond one machine.

use crate::compose::Layout;
use crate::export::{self, image, kube, push};
use std::path::PathBuf;

pub use crate::export::kube::KubeOptions;

pub async fn export_kube(
    layout: &Layout,
    profile: &str,
    out: Option<PathBuf>,
    options: &KubeOptions,
) -> anyhow::Result<()> {
    let exported = kube::export(layout, profile, options).await?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{}-{profile}-kube", layout.prefix)));
    export::write_all(&out, &exported.files)?;
    for warning in &exported.warnings {
        eprintln!("stack-tui: warning: {warning}");
    }
    println!(
        "wrote {} files to {} (apply: kubectl apply -k {}; see its README.md)",
        exported.files.len(),
        out.display(),
        out.display()
    );
    Ok(())
}

pub async fn export_image(
    layout: &Layout,
    out: Option<PathBuf>,
    push_to: Option<&str>,
) -> anyhow::Result<()> {
    let manifest = export::spin_manifest_path(&layout.root);
    let artifact = image::build(&manifest)?;
    let name = artifact
        .manifest
        .annotations
        .get("org.opencontainers.image.ref.name")
        .cloned()
        .unwrap_or_default();
    let out = out.unwrap_or_else(|| PathBuf::from(format!("edge-app-{name}.oci.tar")));
    let files = std::collections::BTreeMap::from([(String::new(), artifact.archive.clone())]);
    write_file(&out, &files)?;
    println!(
        "wrote {} ({} bytes, manifest {}, platform {}/{})",
        out.display(),
        artifact.archive.len(),
        artifact.manifest.digest,
        image::PLATFORM_OS,
        image::PLATFORM_ARCHITECTURE
    );
    if let Some(reference) = push_to {
        push::push(&out, reference).await?;
        println!("pushed {reference} ({})", artifact.manifest.digest);
    }
    Ok(())
}

/// Writes one file through the export writer (same errors as a folder export).
fn write_file(
    path: &std::path::Path,
    content: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<(), export::ExportError> {
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default();
    let files = content
        .values()
        .map(|bytes| (name.clone(), bytes.clone()))
        .collect();
    export::write_all(parent, &files)
}
