//! Host files a service gets: the secret files behind `secrets:` and the PEM files (certificates,
//! private keys) inside its bind mounts. Only their kind, mode and a certificate's expiry are
//! kept; contents never leave this module.

use super::from_files::FilesModel;
use super::subject::{FileFact, FileKind, Mount, MountKind};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A bind-mounted project folder is searched this deep, and no further than this many entries:
/// enough for `proxy-config/tls/`, cheap on a big tree.
const MAX_DEPTH: usize = 3;
const MAX_ENTRIES: usize = 2000;
const MAX_PEM_BYTES: u64 = 256 * 1024;
const PEM_EXTENSIONS: &[&str] = &["pem", "crt", "cer", "key"];

/// Gives every subject of the files' model the host files it gets: its secrets and the PEM files
/// in its bind mounts.
pub fn attach(model: &mut FilesModel) {
    for subject in &mut model.subjects {
        let secrets = model
            .secret_files
            .get(&subject.service)
            .map(Vec::as_slice)
            .unwrap_or_default();
        subject.files = self::secrets(secrets);
        subject.files.extend(pems(&subject.mounts));
    }
}

pub fn secrets(paths: &[PathBuf]) -> Vec<FileFact> {
    paths
        .iter()
        .filter_map(|path| {
            Some(FileFact {
                path: path.clone(),
                mode: mode(path)?,
                kind: FileKind::Secret,
            })
        })
        .collect()
}

/// Certificates and keys under the bind mounts' sources (a missing source is skipped: with a
/// remote daemon the paths are not on this machine).
pub fn pems(mounts: &[Mount]) -> Vec<FileFact> {
    let mut found = Vec::new();
    let mut budget = MAX_ENTRIES;
    for mount in mounts.iter().filter(|mount| mount.kind == MountKind::Bind) {
        walk(Path::new(&mount.source), 0, &mut budget, &mut found);
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found.dedup_by(|a, b| a.path == b.path);
    found
}

fn walk(path: &Path, depth: usize, budget: &mut usize, found: &mut Vec<FileFact>) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        if depth >= MAX_DEPTH {
            return;
        }
        let Ok(entries) = fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            walk(&entry.path(), depth + 1, budget, found);
        }
    } else if meta.is_file()
        && has_pem_extension(path)
        && meta.len() <= MAX_PEM_BYTES
        && let Some(kind) = classify(path)
    {
        found.push(FileFact {
            path: path.to_path_buf(),
            mode: meta.permissions().mode() & 0o7777,
            kind,
        });
    }
}

fn has_pem_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| PEM_EXTENSIONS.contains(&ext))
}

/// By content where it can be read; an unreadable file named like a key is taken for one.
fn classify(path: &Path) -> Option<FileKind> {
    let Ok(bytes) = fs::read(path) else {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        return name.contains("key").then_some(FileKind::PrivateKey);
    };
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("PRIVATE KEY-----") {
        return Some(FileKind::PrivateKey);
    }
    if text.contains("-----BEGIN CERTIFICATE-----") {
        let (_, pem) = x509_parser::pem::parse_x509_pem(&bytes).ok()?;
        let certificate = pem.parse_x509().ok()?;
        return Some(FileKind::Certificate {
            not_after: certificate.validity().not_after.timestamp(),
        });
    }
    None
}

fn mode(path: &Path) -> Option<u32> {
    fs::metadata(path)
        .ok()
        .map(|meta| meta.permissions().mode() & 0o7777)
}
