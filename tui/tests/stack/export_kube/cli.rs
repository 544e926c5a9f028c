//! The command line: bad input is named and exits non-zero; the export is byte-identical when
//! run twice; secrets are placeholders unless --include-secrets, which warns.

use super::support::{self, stack_tui, text};
use std::collections::BTreeMap;
use std::path::Path;

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("read export dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        files.insert(name, std::fs::read(&path).expect("read file"));
    }
    files
}

#[test]
fn exporting_twice_gives_byte_identical_files() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let (first, second) = (scratch.path().join("one"), scratch.path().join("two"));
    for out in [&first, &second] {
        let output = stack_tui(&[
            "--profile",
            "dev",
            "export",
            "kube",
            "--image",
            "127.0.0.1:5000/edge-app:1",
            "--out",
            &out.to_string_lossy(),
        ]);
        assert!(
            output.status.success(),
            "export failed: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stdout).contains("kubectl apply -k"),
            "{}",
            text(&output.stdout)
        );
    }
    let (first, second) = (tree(&first), tree(&second));
    assert!(
        first.contains_key("kustomization.yaml") && first.contains_key("README.md"),
        "{:?}",
        first.keys()
    );
    assert_eq!(first, second, "two exports of unchanged input differ");
    let image_one = scratch.path().join("one.tar");
    let image_two = scratch.path().join("two.tar");
    support::component();
    for out in [&image_one, &image_two] {
        let output = stack_tui(&["export", "image", "--out", &out.to_string_lossy()]);
        assert!(
            output.status.success(),
            "image export failed: {}",
            text(&output.stderr)
        );
    }
    assert_eq!(
        std::fs::read(&image_one).ok(),
        std::fs::read(&image_two).ok(),
        "two archives differ"
    );
}

#[test]
fn secrets_are_placeholders_unless_included_with_a_warning() {
    let placeholders = support::text(&support::prod_export()["secrets.yaml"]);
    let values: Vec<&str> = placeholders
        .lines()
        .filter(|line| line.starts_with("  ") && line.contains(": '"))
        .collect();
    assert!(values.len() >= 5, "{placeholders}");
    for line in &values {
        assert!(line.contains("REPLACE_ME"), "not a placeholder: {line}");
    }

    // A scratch project with generated secrets, as compose/prepare leaves them.
    let project = tempfile::tempdir().expect("temp dir");
    copy_project(&support::repo_root(), project.path());
    let secrets = project.path().join("env/secrets");
    std::fs::create_dir_all(&secrets).expect("mkdir env/secrets");
    for name in ["db_password", "redis_password", "postgres_password"] {
        std::fs::write(secrets.join(name), format!("sentinel-{name}-0123456789"))
            .expect("write secret");
    }
    let out = project.path().join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .args([
            "--root",
            &project.path().to_string_lossy(),
            "--profile",
            "prod",
            "export",
            "kube",
            "--include-secrets",
            "--out",
            &out.to_string_lossy(),
        ])
        .output()
        .expect("run stack-tui");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("warning: --include-secrets"),
        "no warning on stderr: {stderr}"
    );
    let included = std::fs::read_to_string(out.join("secrets.yaml")).expect("secrets.yaml");
    for expected in [
        "redis_password: sentinel-redis_password-0123456789",
        "db_password: sentinel-db_password-0123456789",
        "default_url: redis://:sentinel-redis_password-0123456789@redis:6379/1",
    ] {
        assert!(
            included.contains(expected),
            "{expected} missing from {included}"
        );
    }
    // TLS stays a placeholder: its key is not one of env/secrets.
    assert!(included.contains("tls.key: 'REPLACE_ME"), "{included}");
    // Nothing but secrets.yaml carries a secret value.
    for (name, bytes) in tree(&out) {
        if name != "secrets.yaml" {
            assert!(
                !text(&bytes).contains("sentinel-"),
                "{name} holds a secret value"
            );
        }
    }
}

/// The files a kube export reads: compose/, env/*.env, the overlays, proxy-config/, spin.toml.
fn copy_project(from: &Path, to: &Path) {
    for dir in ["compose", "env", "local", "dev", "prod", "proxy-config"] {
        copy_dir(&from.join(dir), &to.join(dir));
    }
    std::fs::create_dir_all(to.join("edge-app")).expect("mkdir edge-app");
    std::fs::copy(
        from.join("edge-app/spin.toml"),
        to.join("edge-app/spin.toml"),
    )
    .expect("copy spin.toml");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            if entry.file_name() != "secrets" && entry.file_name() != "tls" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

#[test]
fn bad_input_is_named_and_exits_non_zero() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let blocker = scratch.path().join("a-file");
    std::fs::write(&blocker, "not a directory").expect("write");
    let unwritable = blocker.join("out");
    let missing_root = scratch.path().join("no-project");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--profile".into(),
                "qa".into(),
                "export".into(),
                "kube".into(),
            ],
            "unknown profile \"qa\"",
        ),
        (
            vec![
                "export".into(),
                "kube".into(),
                "--out".into(),
                unwritable.to_string_lossy().into(),
            ],
            "cannot write",
        ),
        (
            vec!["export".into(), "kube".into(), "--no-such-flag".into()],
            "--no-such-flag",
        ),
        (vec!["export".into(), "helm".into()], "helm"),
        (
            vec![
                "export".into(),
                "image".into(),
                "--push".into(),
                "https://example.invalid/a".into(),
                "--out".into(),
                scratch.path().join("a.tar").to_string_lossy().into(),
            ],
            "no scheme",
        ),
    ];
    support::component();
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = stack_tui(&args);
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains(expected),
            "{args:?}: stderr lacks {expected:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    }

    // No project at --root, and a project whose component was not built.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .args(["--root", &missing_root.to_string_lossy(), "export", "kube"])
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("no compose project"),
        "{}",
        text(&output.stderr)
    );
    let project = scratch.path().join("unbuilt");
    std::fs::create_dir_all(project.join("edge-app")).expect("mkdir");
    std::fs::copy(
        support::repo_root().join("edge-app/spin.toml"),
        project.join("edge-app/spin.toml"),
    )
    .expect("copy");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .args([
            "--root",
            &project.to_string_lossy(),
            "export",
            "image",
            "--out",
            &scratch.path().join("b.tar").to_string_lossy(),
        ])
        .output()
        .expect("run");
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("edge_app.wasm does not exist") && stderr.contains("cargo xtask build-app"),
        "{stderr}"
    );
}
