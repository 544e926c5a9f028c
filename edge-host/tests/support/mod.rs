//! Test harness: edge-host and mosquitto processes on free 127.0.0.1 ports, stopped by Drop guards,
//! the fixture-component builder and app folders; the Redis and Postgres servers, ports, waiting
//! and HTTP come from the workspace's `test-support` crate.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

pub mod edge_app;
pub mod edge_host;
pub mod fixtures;
pub mod mosquitto;
pub mod relay;

pub use test_support::{free_port, postgres, redis, repo_root, wait_until};

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

/// Holds an exclusive lock on the app's `items` table from a background psql (for 60 s, or until
/// the returned process is killed) and returns once Postgres has granted it.
pub fn lock_items(pg: &postgres::PgServer) -> std::process::Child {
    let holder = pg.psql_in_background(
        "app",
        "BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;",
    );
    let locked = wait_until(std::time::Duration::from_secs(10), || {
        pg.psql("app", "SELECT count(*) FROM pg_locks WHERE relation = 'items'::regclass AND granted AND mode = 'AccessExclusiveLock'")
            .trim()
            == "1"
    });
    assert!(locked, "the lock on items was not taken");
    holder
}
