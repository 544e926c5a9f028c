use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `.ci/test-support`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository holds .ci/test-support")
}
