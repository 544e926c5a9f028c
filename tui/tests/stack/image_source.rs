//! An image-source flip over existing data, refused: a scratch project (the real compose files
//! and env files, nothing built) whose Redis and Postgres volumes exist with the record that the
//! *other* source's stores write when they create their data. The machine has no registry, so no
//! upstream server ever runs here: the volumes are made and marked directly, as start-redis and
//! db/001_image_source.sh would have. The scratch's preparation script is a stub and its
//! env/images.env is written by the test, so the source `up` is about to use is known. `up` must
//! stop before anything is created, naming the volumes, both sources, why and the fixes, in both
//! directions; nothing is started or removed. `doctor` reports it as one FAIL line, and as a
//! warning once the records are gone (volumes made before stores recorded their source).

use crate::reload_support::scratch::main_target_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;
use test_support::docker_cli::docker;
use test_support::repo_root;
use test_support::stack::{TEST_PROJECT_PREFIX, exclusive};

/// What the stores write at the root of their data volume (stack_core::image_source).
const MARKER: &str = "stack-tui-image-source";
/// The local base image: only a root filesystem for the throwaway containers that mark volumes.
const BASE_IMAGE: &str = "stack-tui/base:bookworm";
/// What the merged model needs: the compose files and env files of the local profile.
const FILES: [&str; 6] = [
    "compose/compose.yaml",
    "compose/images/upstream.yaml",
    "compose/images/standin.yaml",
    "local/compose.yaml",
    "env/common.env",
    "env/local.env",
];

/// The scratch project and its volumes, removed on drop (also when the test fails).
struct Project {
    root: PathBuf,
    prefix: String,
    volumes: [String; 2],
}

impl Project {
    fn new() -> Self {
        let pid = std::process::id();
        let prefix = format!("{TEST_PROJECT_PREFIX}imgsrc{pid}");
        let root = std::env::temp_dir().join(format!("stack-tui-image-source-{pid}"));
        let _ = std::fs::remove_dir_all(&root);
        for file in FILES {
            let to = root.join(file);
            std::fs::create_dir_all(to.parent().expect("a folder")).expect("create the folder");
            std::fs::copy(repo_root().join(file), &to).expect("copy a compose or env file");
        }
        // `up` runs the preparation script first; this one decides nothing and builds nothing.
        let prepare = root.join("compose/prepare");
        std::fs::write(&prepare, "#!/bin/sh\nexit 0\n").expect("write the stub");
        make_executable(&prepare);
        let project = format!("{prefix}-local");
        let volumes = [
            format!("{project}_redis-data"),
            format!("{project}_pg-data"),
        ];
        Self {
            root,
            prefix,
            volumes,
        }
    }

    fn project(&self) -> String {
        format!("{}-local", self.prefix)
    }

    fn cli(&self) -> String {
        format!("stack-tui --project-prefix {} --profile local", self.prefix)
    }

    /// Creates the data volumes as compose would (its labels), each marked with `source`.
    fn create_volumes(&self, source: &str) {
        let project = self.project();
        for (key, volume) in ["redis-data", "pg-data"].iter().zip(&self.volumes) {
            docker(&[
                "volume",
                "create",
                "--label",
                &format!("com.docker.compose.project={project}"),
                "--label",
                &format!("com.docker.compose.volume={key}"),
                volume,
            ]);
            write_marker(volume, Some(source));
        }
    }

    fn write_images_env(&self, source: &str) {
        std::fs::write(
            self.root.join("env/images.env"),
            format!("STACK_IMAGE_SOURCE={source}\nSTACK_APP_BUILD=host\n"),
        )
        .expect("write env/images.env");
    }

    /// stack-tui against the scratch project, with `STACK_IMAGE_SOURCE` from the shell or not.
    fn stack_tui(&self, args: &[&str], forced: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_stack-tui"));
        command
            .args(["--root", &self.root.display().to_string()])
            .args(["--project-prefix", &self.prefix, "--profile", "local"])
            .args(args)
            .env_remove("STACK_IMAGE_SOURCE")
            .env("CARGO_TARGET_DIR", main_target_dir())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        if let Some(source) = forced {
            command.env("STACK_IMAGE_SOURCE", source);
        }
        command.output().expect("run stack-tui")
    }

    /// `up` refuses; returns what it said, after checking that nothing was created or removed.
    fn up_refused(&self, forced: Option<&str>, recorded: &str) -> String {
        let started = Instant::now();
        let up = self.stack_tui(&["up", "--detach"], forced);
        let said = text(&up);
        eprintln!("up refused in {:?}:\n{said}", started.elapsed());
        assert!(!up.status.success(), "up must refuse:\n{said}");
        let filter = format!("label=com.docker.compose.project={}", self.project());
        for list in [["ps", "--all", "--quiet"], ["network", "ls", "--quiet"]] {
            let found = docker(&[&list[..], &["--filter", &filter]].concat());
            assert_eq!(found.trim(), "", "nothing was created: docker {list:?}");
        }
        for volume in &self.volumes {
            assert_eq!(read_marker(volume), recorded, "{volume} is untouched");
        }
        said
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["volume", "rm", "--force"])
            .args(&self.volumes)
            .output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn up_refuses_data_volumes_made_by_the_other_image_source_and_touches_nothing() {
    // Runs containers (the markers'): one such test at a time in this binary.
    let _turn = exclusive();
    let project = Project::new();
    let cli = project.cli();
    let names = project.volumes.join(", ");

    // Upstream's data, and env/images.env says standin (compose/prepare found no registry).
    project.create_volumes("upstream");
    project.write_images_env("standin");
    let said = project.up_refused(None, "upstream");
    for needle in [
        format!("{names} of profile local made by upstream, but `up` would start standin"),
        "RDB version 12".into(),
        "en_US.utf8".into(),
        "Nothing was started, stopped or removed".into(),
        format!("`STACK_IMAGE_SOURCE=upstream {cli} up`"),
        format!("`{cli} backup`"),
        format!("`{cli} down -v`"),
        format!("`STACK_IMAGE_SOURCE=standin {cli} up`"),
        format!("`{cli} restore` refuses this direction"),
    ] {
        assert!(said.contains(&needle), "{needle:?} missing:\n{said}");
    }

    let doctor = project.stack_tui(&["doctor"], None);
    let report = text(&doctor);
    let line = line_with(&report, "image source:");
    eprintln!("doctor: {line}");
    assert!(line.starts_with("[FAIL]"), "{report}");
    assert!(
        line.contains(&format!("`STACK_IMAGE_SOURCE=upstream {cli} up`")),
        "{line}"
    );
    assert_ne!(doctor.status.code(), Some(0), "{report}");

    // The other way: the stand-in's data, and upstream forced from the shell.
    for volume in &project.volumes {
        write_marker(volume, Some("standin"));
    }
    let said = project.up_refused(Some("upstream"), "standin");
    for needle in [
        format!("{names} of profile local made by standin, but `up` would start upstream"),
        "collation".into(),
        format!("`STACK_IMAGE_SOURCE=standin {cli} up`"),
        format!("`{cli} restore FOLDER`"),
    ] {
        assert!(said.contains(&needle), "{needle:?} missing:\n{said}");
    }

    // Volumes made before the stores recorded their source: a warning, not a refusal.
    for volume in &project.volumes {
        write_marker(volume, None);
    }
    let doctor = project.stack_tui(&["doctor"], None);
    let report = text(&doctor);
    let line = line_with(&report, "image source:");
    eprintln!("doctor without records: {line}");
    assert!(
        line.starts_with("[warn]") && line.contains("not known for"),
        "{report}"
    );
}

/// Writes (or with None removes) the record at the root of `volume`, as root in a throwaway
/// container with no network.
fn write_marker(volume: &str, source: Option<&str>) {
    let script = match source {
        Some(source) => format!("printf '%s\\n' {source} > /v/{MARKER}"),
        None => format!("rm -f /v/{MARKER}"),
    };
    docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "0:0",
        "-v",
        &format!("{volume}:/v"),
        BASE_IMAGE,
        "sh",
        "-c",
        &script,
    ]);
}

fn read_marker(volume: &str) -> String {
    docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        &format!("{volume}:/v:ro"),
        BASE_IMAGE,
        "cat",
        &format!("/v/{MARKER}"),
    ])
    .trim()
    .to_string()
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}:\n{text}"))
}
