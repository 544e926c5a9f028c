//! Sends an OCI archive to a registry with skopeo. skopeo (Debian's package) rather than an OCI
//! client crate: it speaks every registry's auth flows and reads the user's existing credentials
//! (`skopeo login`, `~/.docker/config.json`), and `--preserve-digests` makes it refuse any change
//! to the manifest, so the pushed digests are exactly those of the archive.

use super::ExportError;
use std::path::Path;
use std::process::Stdio;
use tokio::process::Command;

/// Registry hosts on this machine: only these are contacted without TLS verification.
fn is_loopback_registry(reference: &str) -> bool {
    let Some((first, _)) = reference.split_once('/') else {
        return false;
    };
    let host = match first.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => first.split(':').next().unwrap_or(""),
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// Rejects what is not an image reference, before anything is built or written.
pub fn check_reference(reference: &str) -> Result<(), ExportError> {
    if reference.contains("://")
        || reference.trim().is_empty()
        || reference.contains(char::is_whitespace)
    {
        return Err(ExportError::Push {
            reference: reference.to_string(),
            reason:
                "expected a reference like registry.example.com/team/edge-app:0.1.0 (no scheme)"
                    .into(),
        });
    }
    Ok(())
}

/// `skopeo copy --preserve-digests oci-archive:ARCHIVE docker://REFERENCE`.
pub async fn push(archive: &Path, reference: &str) -> Result<(), ExportError> {
    check_reference(reference)?;
    let failed = |reason: String| ExportError::Push {
        reference: reference.to_string(),
        reason,
    };
    let mut command = Command::new("skopeo");
    command.args(["copy", "--preserve-digests"]);
    if is_loopback_registry(reference) {
        command.arg("--dest-tls-verify=false");
    }
    let output = command
        .arg(format!("oci-archive:{}", archive.display()))
        .arg(format!("docker://{reference}"))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|err| {
            failed(format!(
                "cannot run skopeo ({err}). Fix: install skopeo (apt-get install skopeo)"
            ))
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(failed(format!(
        "skopeo {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::is_loopback_registry;

    #[test]
    fn only_loopback_registries_skip_tls_verification() {
        for reference in [
            "127.0.0.1:5000/a:1",
            "localhost:5000/a/b:1",
            "localhost/a",
            "[::1]:5000/a",
        ] {
            assert!(is_loopback_registry(reference), "{reference}");
        }
        for reference in [
            "ghcr.io/a/b:1",
            "127.0.0.1.example.com/a",
            "a:1",
            "localhostx/a",
        ] {
            assert!(!is_loopback_registry(reference), "{reference}");
        }
    }
}
