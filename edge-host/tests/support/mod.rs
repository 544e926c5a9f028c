//! Test harness: real Redis, Postgres, mosquitto and edge-host processes on free 127.0.0.1 ports,
//! stopped by Drop guards, plus a small blocking HTTP client and the fixture-component builder.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

pub mod client;
pub mod edge_app;
pub mod edge_host;
pub mod fixtures;
pub mod mosquitto;
pub mod postgres;
pub mod redis;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A port that is free right now, chosen below the kernel's ephemeral range (32768 and up on Linux,
/// 49152 and up elsewhere): a port the OS hands out for `:0` can be taken by any outgoing
/// connection before the server binds it. A per-process counter keeps parallel tests apart.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    let start = std::process::id().wrapping_mul(7_919);
    for _ in 0..COUNT {
        let step = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(FIRST + start.wrapping_add(step.wrapping_mul(13)) % COUNT)
            .expect("ports below 32000 fit in u16");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!(
        "no free port on 127.0.0.1 between {FIRST} and {}",
        FIRST + COUNT
    );
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

/// Writes `runtime-config.toml` into `dir` with the key-value store `default` on `redis`
/// (database 1) and returns its path.
pub fn redis_runtime_config(
    dir: &std::path::Path,
    redis: &redis::RedisServer,
) -> std::path::PathBuf {
    let config = dir.join("runtime-config.toml");
    std::fs::write(
        &config,
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}/1\"\n",
            redis.url()
        ),
    )
    .expect("write runtime config");
    config
}
