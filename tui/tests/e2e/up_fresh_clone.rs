//! The quick start's `.ci/up --detach` on a checkout that has never been prepared, on a host
//! whose PATH has none of the test-only tools (test servers, tmux, the registry): running needs
//! only Docker, Compose v2 and Rust. The preparation script chooses the images
//! (env/images.env) during this very `up`, and compose must get that choice: without a
//! registry, passing only the env files that existed before would make compose pull upstream
//! images and fail. Runs on a scratch copy of the project with its own ports and project name.

use crate::reload_support::Scratch;
use crate::reload_support::scratch::main_target_dir;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

/// What only the tests use; `.ci/up` must work without any of them.
const TEST_ONLY_TOOLS: [&str; 13] = [
    "redis-server",
    "redis-cli",
    "nginx",
    "tmux",
    "wrk",
    "docker-registry",
    "skopeo",
    "mosquitto",
    "mosquitto_sub",
    "mosquitto_pub",
    "psql",
    "pg_ctl",
    "initdb",
];

/// A folder of links to every program on PATH except the test-only ones, to use as PATH.
fn path_without_test_tools(bin: &Path) -> String {
    std::fs::create_dir_all(bin).expect("bin dir");
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let link = bin.join(&name);
            if TEST_ONLY_TOOLS.iter().any(|tool| name == *tool) || link.exists() {
                continue;
            }
            let _ = symlink(entry.path(), link);
        }
    }
    bin.display().to_string()
}

#[test]
fn ci_up_on_a_fresh_checkout_without_test_tools_uses_the_images_prepare_chose() {
    let scratch = Scratch::copy("local");
    // A fresh clone has no generated image choice yet.
    std::fs::remove_file(scratch.path("env/images.env")).expect("remove env/images.env");
    let bin = tempfile::tempdir().expect("temp dir");
    let path = path_without_test_tools(bin.path());
    for tool in TEST_ONLY_TOOLS {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .env("PATH", &path)
            .output()
            .expect("sh");
        assert!(!found.status.success(), "{tool} is hidden from PATH");
    }

    let output = Command::new("bash")
        .arg(scratch.path(".ci/up"))
        .arg("--detach")
        .env("PATH", &path)
        .env("STACK_TUI_PROJECT_PREFIX", &scratch.prefix)
        .env("STACK_TUI_PROFILE", "local")
        .envs(scratch.env())
        .env("CARGO_TARGET_DIR", main_target_dir())
        .output()
        .expect("run .ci/up");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        ".ci/up --detach failed ({}):\n{stderr}",
        output.status
    );
    assert!(
        scratch.path("env/images.env").is_file(),
        "prepare wrote the image choice"
    );

    let ids = scratch.container_ids();
    assert_eq!(ids.len(), 4, "nginx, app, redis and postgres run");
    let images = Command::new("docker")
        .args(["inspect", "--format", "{{.Config.Image}}"])
        .args(&ids)
        .output()
        .expect("docker inspect");
    let images = String::from_utf8_lossy(&images.stdout);
    let registry_answers = std::fs::read_to_string(scratch.path("env/images.env"))
        .is_ok_and(|text| text.contains("STACK_IMAGE_SOURCE=upstream"));
    if !registry_answers {
        assert_eq!(
            images
                .lines()
                .filter(|image| image.contains("standin"))
                .count(),
            3,
            "the three server images are the stand-ins prepare chose:\n{images}"
        );
    }
}
