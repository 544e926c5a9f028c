//! Test harness: real Redis, Postgres and edge-host processes on free 127.0.0.1 ports, stopped by
//! Drop guards, plus a small blocking HTTP client and the fixture-component builder.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

pub mod client;
pub mod edge_app;
pub mod edge_host;
pub mod fixtures;
pub mod postgres;
pub mod redis;

use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A port that was free a moment ago (the OS picks it; we release it for the server to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("the OS gives out a free port")
}

/// Polls `check` until it returns true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}

/// The repository root (edge-host's parent).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("edge-host lives inside the repository")
        .to_path_buf()
}

/// A temp application directory: `spin.toml` with `manifest` text, and `component` copied to
/// `dist/app.wasm` (the manifest should say `source = "dist/app.wasm"`).
pub fn app_dir(component: &std::path::Path, manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp app dir");
    std::fs::create_dir_all(dir.path().join("dist")).expect("dist dir");
    std::fs::copy(component, dir.path().join("dist").join("app.wasm")).expect("copy component");
    std::fs::write(dir.path().join("spin.toml"), manifest).expect("write manifest");
    dir
}

/// Replaces `dest` atomically (write temp, rename), as deployments and the local stack do.
pub fn replace_file(src: &std::path::Path, dest: &std::path::Path) {
    let tmp = dest.with_extension("tmp-swap");
    std::fs::copy(src, &tmp).expect("copy to temp");
    std::fs::rename(&tmp, dest).expect("rename over");
}

/// A manifest with one component at `dist/app.wasm` on `/...` and the given extra text
/// (variables, outbound hosts) inserted into `[component.app]`.
pub fn simple_manifest(variables: &str, component_extra: &str) -> String {
    format!(
        r#"spin_manifest_version = 2

[application]
name = "fixture"
version = "0.1.0"

[variables]
{variables}

[[trigger.http]]
route = "/..."
component = "app"

[component.app]
source = "dist/app.wasm"
{component_extra}
"#
    )
}
