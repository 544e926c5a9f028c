//! Writing an export: every file in full, in name order, so that two runs on unchanged input
//! leave byte-identical trees.

use super::ExportError;
use std::collections::BTreeMap;
use std::path::Path;

/// Writes `files` (relative path → content) under `out`, creating folders as needed. Files that
/// are already there with other content are replaced; nothing else in `out` is touched.
pub fn write_all(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), ExportError> {
    let write_error = |path: &Path, source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(out).map_err(|source| write_error(out, source))?;
    for (relative, content) in files {
        let path = out.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| write_error(parent, source))?;
        }
        std::fs::write(&path, content).map_err(|source| write_error(&path, source))?;
    }
    Ok(())
}

/// Writes one file, creating its folder.
pub fn write_file(path: &Path, content: &[u8]) -> Result<(), ExportError> {
    let write_error = |path: &Path, source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| write_error(parent, source))?;
    }
    std::fs::write(path, content).map_err(|source| write_error(path, source))
}
