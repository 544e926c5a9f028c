//! Folders the compose files bind-mount, as ConfigMaps. ConfigMap keys cannot hold `/`, so each
//! folder is one ConfigMap keyed by file name; pods mount them with `items` paths.

use crate::export::ExportError;
use k8s_openapi::api::core::v1::{ConfigMap, ConfigMapProjection, KeyToPath};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A folder's regular files (name → text), in name order, without dotfiles and README files.
/// Executable files are remembered so mounts can keep them executable.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    pub files: BTreeMap<String, String>,
    pub executable: Vec<String>,
}

pub fn read_folder(dir: &Path) -> Result<Folder, ExportError> {
    let read_error = |path: PathBuf, source| ExportError::Read { path, source };
    let entries = std::fs::read_dir(dir).map_err(|source| read_error(dir.to_path_buf(), source))?;
    let mut folder = Folder::default();
    for entry in entries {
        let entry = entry.map_err(|source| read_error(dir.to_path_buf(), source))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if !path.is_file() || name.starts_with('.') || name.starts_with("README") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|source| read_error(path.clone(), source))?;
        if is_executable(&path) {
            folder.executable.push(name.clone());
        }
        folder.files.insert(name, text);
    }
    folder.executable.sort();
    Ok(folder)
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|meta| meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    false
}

pub fn config_map(metadata: ObjectMeta, folder: &Folder) -> ConfigMap {
    ConfigMap {
        metadata,
        data: Some(folder.files.clone()),
        ..ConfigMap::default()
    }
}

/// A projection of `name`'s files under `prefix` (`conf.d/10-logging.conf`); executables keep
/// their execute bits.
pub fn projection(name: &str, folder: &Folder, prefix: &str) -> ConfigMapProjection {
    let items = folder
        .files
        .keys()
        .map(|file| KeyToPath {
            key: file.clone(),
            path: if prefix.is_empty() {
                file.clone()
            } else {
                format!("{prefix}/{file}")
            },
            mode: folder.executable.contains(file).then_some(0o555),
            ..KeyToPath::default()
        })
        .collect();
    ConfigMapProjection {
        name: name.to_string(),
        items: Some(items),
        optional: None,
    }
}
