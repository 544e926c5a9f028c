//! Shared by the export tests: paths, the binary, exports as parsed documents, the component.

use serde::Deserialize;
use serde_json::Value;
use stack_core::model::Layout;
use stack_tui::export::kube::{self, KubeOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

pub const PROFILES: [&str; 3] = ["local", "dev", "prod"];

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tui/ has a parent directory")
        .to_path_buf()
}

pub fn layout() -> Layout {
    Layout::new(repo_root(), "stack")
}

/// `stack-tui ARGS` with the project root pinned, run to completion.
pub fn stack_tui(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .arg("--root")
        .arg(repo_root())
        .args(args)
        .env_remove("STACK_TUI_PROFILE")
        .output()
        .expect("run stack-tui")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The export of `profile` (files by name), through the library.
pub fn export(profile: &str, options: &KubeOptions) -> BTreeMap<String, Vec<u8>> {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime
        .block_on(kube::export(&layout(), profile, options))
        .unwrap_or_else(|err| panic!("export of {profile} failed: {err}"))
        .files
}

/// Every YAML document of an export, as JSON values, with the file each came from.
pub fn documents(files: &BTreeMap<String, Vec<u8>>) -> Vec<(String, Value)> {
    let mut documents = Vec::new();
    for (name, bytes) in files.iter().filter(|(name, _)| name.ends_with(".yaml")) {
        let text = std::str::from_utf8(bytes).expect("YAML is UTF-8");
        for document in yaml_serde::Deserializer::from_str(text) {
            let value = Value::deserialize(document)
                .unwrap_or_else(|err| panic!("{name} is not valid YAML: {err}"));
            if !value.is_null() {
                documents.push((name.clone(), value));
            }
        }
    }
    documents
}

pub fn kind(document: &Value) -> &str {
    document["kind"].as_str().unwrap_or_default()
}

pub fn name(document: &Value) -> &str {
    document["metadata"]["name"].as_str().unwrap_or_default()
}

/// The built component (`edge-app/dist/edge_app.wasm`), built by the build task when absent.
pub fn component() -> PathBuf {
    static BUILT: Mutex<()> = Mutex::new(());
    let path = repo_root().join("edge-app/dist/edge_app.wasm");
    let _guard = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if path.is_file() {
        return path;
    }
    let status = Command::new(env!("CARGO"))
        .current_dir(repo_root())
        .args(["xtask", "build-app"])
        .status()
        .expect("run cargo xtask to build the component");
    assert!(
        status.success(),
        "building the component failed; build it with `cargo xtask build-app`"
    );
    assert!(
        path.is_file(),
        "cargo xtask build-app installs {}",
        path.display()
    );
    path
}

/// Free loopback ports come from the stack tests' helper (below the ephemeral range).
pub use test_support::free_port;

/// The prod export with placeholders, made once per test binary.
pub fn prod_export() -> &'static BTreeMap<String, Vec<u8>> {
    static EXPORT: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    EXPORT.get_or_init(|| export("prod", &KubeOptions::default()))
}
