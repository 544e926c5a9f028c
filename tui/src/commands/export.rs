//! `stack-tui export kube|image`: write (and push) what the profile needs beyond one machine.

use crate::export::{self, image, kube, push};
use stack_core::model::Layout;
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
    if let Some(reference) = push_to {
        push::check_reference(reference)?;
    }
    let artifact = image::build(&export::spin_manifest_path(&layout.root))?;
    let out =
        out.unwrap_or_else(|| PathBuf::from(format!("{}-{}.oci.tar", artifact.name, artifact.tag)));
    export::write_file(&out, &artifact.archive)?;
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
