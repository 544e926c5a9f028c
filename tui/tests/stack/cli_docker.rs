//! The CLI against the real engine, on throwaway compose projects the tests create under
//! `--root`: `status --json` agrees with the Engine API; `doctor` reports an unreachable daemon;
//! `--readonly`, the prod `down -v` confirmation, `compose --` passthrough, `reload` from
//! another shell, completions and the man page.

mod docker_context;

use bollard::Docker;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BASE: &str = r#"services:
  web:
    image: stack-tui/base:bookworm
    command: ["sh", "-c", "echo hello-from-web; touch /tmp/ok; exec sleep 600"]
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ok && echo probe-ok"]
      interval: 1s
      timeout: 2s
      retries: 3
  job:
    image: stack-tui/base:bookworm
    command: ["sh", "-c", "echo job-done; exit 3"]
    restart: "no"
"#;

/// The protected profile's overlay: a named volume, so `down -v` has data to lose.
const PROD: &str = r#"services:
  web:
    volumes: ["data:/data"]
  job:
    profiles: ["off"]
volumes:
  data:
"#;

/// Takes the project down (containers, networks, volumes) even when the test fails.
struct Project {
    root: tempfile::TempDir,
    prefix: String,
}

impl Project {
    /// `tag` keeps tests running in parallel from sharing (and tearing down) one project.
    fn create(tag: &str) -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path();
        std::fs::create_dir_all(dir.join("compose")).expect("mkdir compose");
        std::fs::create_dir_all(dir.join("local")).expect("mkdir local");
        std::fs::create_dir_all(dir.join("env")).expect("mkdir env");
        std::fs::write(dir.join("compose/compose.yaml"), BASE).expect("base file");
        std::fs::write(
            dir.join("local/compose.yaml"),
            "services:\n  web:\n    labels:\n      test.profile: local\n",
        )
        .expect("overlay");
        std::fs::create_dir_all(dir.join("prod")).expect("mkdir prod");
        std::fs::write(dir.join("prod/compose.yaml"), PROD).expect("prod overlay");
        std::fs::write(dir.join("env/common.env"), "UNUSED=1\n").expect("env file");
        let prefix = format!("sttest{}{tag}", std::process::id());
        Self { root, prefix }
    }

    fn project(&self) -> String {
        format!("{}-local", self.prefix)
    }

    fn compose(&self, args: &[&str]) -> std::process::Output {
        let dir = self.root.path();
        Command::new("docker")
            .args(["compose", "-p", &self.project(), "--env-file"])
            .arg(dir.join("env/common.env"))
            .arg("-f")
            .arg(dir.join("compose/compose.yaml"))
            .arg("-f")
            .arg(dir.join("local/compose.yaml"))
            .args(args)
            .output()
            .expect("run docker compose")
    }

    fn cli(&self, args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
        let mut command = self.command(args);
        for (key, value) in envs {
            command.env(key, value);
        }
        command.output().expect("run stack-tui")
    }

    /// stack-tui for this project; its state (the reload socket) stays in the project folder.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_stack-tui"));
        command
            .arg("--root")
            .arg(self.root.path())
            .args(["--project-prefix", &self.prefix])
            .args(args)
            .env("XDG_STATE_HOME", self.root.path().join("state"))
            .stdin(Stdio::null());
        command
    }

    /// stack-tui with `input` on its stdin.
    fn cli_with_input(&self, args: &[&str], input: &str) -> std::process::Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run stack-tui");
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.as_bytes()).expect("write stdin");
        }
        child.wait_with_output().expect("stack-tui output")
    }

    fn volume_exists(&self, profile: &str, name: &str) -> bool {
        let volume = format!("{}-{profile}_{name}", self.prefix);
        Command::new("docker")
            .args(["volume", "inspect", &volume])
            .output()
            .is_ok_and(|out| out.status.success())
    }

    fn root(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "--volumes", "--remove-orphans", "--timeout", "1"]);
        let _ = self
            .command(&["-P", "prod", "down", "--volumes", "--yes"])
            .output();
    }
}

async fn docker() -> Docker {
    Docker::connect_with_local_defaults()
        .expect("docker client")
        .negotiate_version()
        .await
        .expect("daemon answers")
}

/// (name → (service, state, health)) straight from the Engine API.
async fn engine_view(docker: &Docker, project: &str) -> HashMap<String, (String, String, String)> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("com.docker.compose.project={project}")],
    )]);
    let list = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .expect("list containers");
    let mut view = HashMap::new();
    for summary in list {
        let id = summary.id.expect("container id");
        let inspect = docker
            .inspect_container(&id, None::<InspectContainerOptions>)
            .await
            .expect("inspect");
        let state = inspect.state.expect("state");
        let status = state.status.map(|s| s.to_string()).unwrap_or_default();
        let health = state
            .health
            .and_then(|h| h.status)
            .map(|s| s.to_string())
            .unwrap_or_else(|| "none".into());
        let service = inspect
            .config
            .and_then(|c| c.labels)
            .and_then(|l| l.get("com.docker.compose.service").cloned())
            .unwrap_or_default();
        view.insert(
            inspect
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            (service, status, health),
        );
    }
    view
}

#[tokio::test]
async fn status_json_agrees_with_the_engine() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    let project = Project::create("status");
    let up = project.compose(&["up", "-d"]);
    assert!(
        up.status.success(),
        "compose up: {}",
        String::from_utf8_lossy(&up.stderr)
    );
    let docker = docker().await;
    // Generous bound: the healthcheck runs every second; a loaded CI box may be slow.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let view = engine_view(&docker, &project.project()).await;
        let healthy = view
            .values()
            .any(|(service, _, health)| service == "web" && health == "healthy");
        let exited = view
            .values()
            .any(|(service, state, _)| service == "job" && state == "exited");
        if healthy && exited {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "web never became healthy / job never exited: {view:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    let output = project.cli(&["status", "--json"], &[]);
    // The job exited with 3: degraded, and still the whole report.
    assert_eq!(
        output.status.code(),
        Some(3),
        "status with a failed job: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("status --json prints JSON");
    assert_eq!(report["project"], project.project());
    let engine = engine_view(&docker, &project.project()).await;
    let mut seen = 0;
    for service in report["services"].as_array().expect("services array") {
        for container in service["containers"].as_array().expect("containers array") {
            let name = container["name"].as_str().expect("name");
            let (engine_service, engine_state, engine_health) =
                engine.get(name).expect("container known to the engine");
            assert_eq!(container["service"], engine_service.as_str(), "{name}");
            assert_eq!(container["state"], engine_state.as_str(), "{name}");
            assert_eq!(container["health"], engine_health.as_str(), "{name}");
            seen += 1;
        }
    }
    assert_eq!(
        seen,
        engine.len(),
        "every engine container appears in status"
    );
    let job = report["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["service"] == "job"))
        .expect("job service");
    assert_eq!(job["containers"][0]["exit_code"], 3);
    let web = report["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["service"] == "web"))
        .expect("web service");
    assert_eq!(web["health"], "healthy");
    let probe_output = web["containers"][0]["probes"][0]["output"]
        .as_str()
        .unwrap_or_default();
    assert!(
        probe_output.contains("probe-ok"),
        "health probe output is reported: {probe_output:?}"
    );

    // Without the failed job every service is healthy: exit 0.
    let removed = project.compose(&["rm", "--stop", "--force", "job"]);
    assert!(removed.status.success(), "compose rm job");
    let healthy = project.cli(&["status"], &[]);
    assert_eq!(
        healthy.status.code(),
        Some(0),
        "status with web healthy only: {}",
        String::from_utf8_lossy(&healthy.stdout)
    );

    let logs = project.cli(&["logs", "web", "--grep", "hello"], &[]);
    assert!(
        logs.status.success(),
        "logs failed: {}",
        String::from_utf8_lossy(&logs.stderr)
    );
    let text = String::from_utf8_lossy(&logs.stdout);
    assert!(
        text.contains("hello-from-web") && !text.contains("job-done"),
        "{text}"
    );
}

#[test]
fn doctor_reports_an_unreachable_daemon_and_fails() {
    let project = Project::create("doctor");
    let output = project.cli(&["doctor"], &[("DOCKER_HOST", "unix:///nonexistent.sock")]);
    assert!(!output.status.success(), "doctor must exit non-zero");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("unix:///nonexistent.sock") && stdout.contains("Fix:"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("problem"));
    let status = project.cli(&["status"], &[("DOCKER_HOST", "unix:///nonexistent.sock")]);
    assert_eq!(
        status.status.code(),
        Some(4),
        "status: 4 = daemon unreachable"
    );
    assert!(String::from_utf8_lossy(&status.stderr).contains("DOCKER_HOST"));
    let _ = project.root();
}

#[test]
fn unknown_profile_is_an_error_naming_the_known_ones() {
    let project = Project::create("unknown");
    let output = project.cli(&["--profile", "qa", "status"], &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"qa\"") && stderr.contains("local"),
        "{stderr}"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn completions_and_the_man_page_come_from_the_flags() {
    let project = Project::create("docs");
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef stack-tui"),
        ("fish", "complete -c stack-tui"),
    ] {
        let output = project.cli(&["completions", shell], &[]);
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = text(&output.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("readonly") && script.contains("export"),
            "{shell} completes flags and subcommands"
        );
    }
    let page = project.cli(&["man"], &[]);
    assert!(page.status.success(), "{page:?}");
    let page = text(&page.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH stack-tui"),
        "{page}"
    );
    assert!(page.contains("readonly"), "{page}");
    let pages = tempfile::tempdir().expect("temp dir");
    let out = pages.path().join("man1");
    let written = project.cli(&["man", "--out", &out.display().to_string()], &[]);
    assert!(written.status.success(), "{written:?}");
    for page in ["stack-tui.1", "stack-tui-up.1", "stack-tui-reload.1"] {
        assert!(out.join(page).is_file(), "{page} written");
    }
    let bad = project.cli(&["completions", "tcsh"], &[]);
    assert_eq!(bad.status.code(), Some(2), "usage error");
}

#[test]
fn readonly_refuses_whatever_changes_containers() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    let project = Project::create("ro");
    for args in [
        vec!["--readonly", "down"],
        vec!["--readonly", "up", "--detach"],
        vec!["--readonly", "reload", "app"],
        vec!["--readonly", "compose", "--", "down", "-v"],
    ] {
        let output = project.cli(&args, &[]);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        assert!(
            text(&output.stderr).contains("--readonly"),
            "{args:?}: {output:?}"
        );
    }
    // Read-only compose subcommands pass through, with the profile's files and project.
    let services = project.cli(
        &["--readonly", "compose", "--", "config", "--services"],
        &[],
    );
    assert!(services.status.success(), "{services:?}");
    let mut names: Vec<String> = text(&services.stdout).lines().map(String::from).collect();
    names.sort();
    assert_eq!(names, ["job", "web"]);
    let name = project.cli(&["compose", "--", "config", "--format", "json"], &[]);
    let config: Value = serde_json::from_slice(&name.stdout).expect("compose config json");
    assert_eq!(config["name"], project.project().as_str());
    // Compose's own exit status comes back.
    let failing = project.cli(&["compose", "--", "no-such-subcommand"], &[]);
    assert!(!failing.status.success(), "{failing:?}");
}

#[test]
fn down_v_on_prod_asks_first_and_list_output_is_json() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    let project = Project::create("prod");
    let up = project.cli(&["-P", "prod", "up", "--detach"], &[]);
    assert!(up.status.success(), "{up:?}");
    assert!(project.volume_exists("prod", "data"));

    // No terminal (stdin at EOF) and a wrong answer both leave everything as it was.
    let eof = project.cli(&["-P", "prod", "down", "-v"], &[]);
    assert_eq!(eof.status.code(), Some(1), "{eof:?}");
    assert!(text(&eof.stderr).contains("--yes"), "{eof:?}");
    let wrong = project.cli_with_input(&["-P", "prod", "down", "-v"], "yes\n");
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    assert!(text(&wrong.stderr).contains("not confirmed"), "{wrong:?}");
    assert!(project.volume_exists("prod", "data"), "the data survived");

    let profiles = project.cli(&["-P", "prod", "profiles", "--format", "json"], &[]);
    assert!(profiles.status.success(), "{profiles:?}");
    let profiles: Value = serde_json::from_slice(&profiles.stdout).expect("profiles json");
    let prod = profiles
        .as_array()
        .and_then(|list| list.iter().find(|p| p["name"] == "prod"))
        .unwrap_or_else(|| panic!("prod listed: {profiles}"));
    assert_eq!(prod["selected"], true);
    assert_eq!(prod["state"], "up", "{prod}");
    assert_eq!(prod["running"], 1, "{prod}");
    let status = project.cli(&["-P", "prod", "status", "--format", "json"], &[]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(
        status["project"],
        format!("{}-prod", project.prefix).as_str()
    );

    // Typing the profile's name confirms.
    let typed = project.cli_with_input(&["-P", "prod", "down", "-v"], "prod\n");
    assert!(typed.status.success(), "{typed:?}");
    assert!(!project.volume_exists("prod", "data"), "down -v removed it");
    // Other profiles don't ask.
    let local = project.cli(&["down", "-v"], &[]);
    assert!(local.status.success(), "{local:?}");
}

#[test]
fn reload_from_another_shell_runs_in_the_watching_loop() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    let project = Project::create("trigger");
    let none = project.cli(&["reload", "stack"], &[]);
    assert_eq!(none.status.code(), Some(1), "{none:?}");
    assert!(
        text(&none.stderr).contains("no dashboard or `stack-tui watch` is running"),
        "{none:?}"
    );

    let mut watch = project
        .command(&["watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start stack-tui watch");
    let stdout = watch.stdout.take().expect("watch stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let watching = lines
        .recv_timeout(Duration::from_secs(30))
        .expect("watch starts");
    assert!(watching.starts_with("watching"), "{watching}");

    // The watching loop is on local: a stack reload there runs and its timeline comes back.
    let reload = project.cli(&["reload", "stack"], &[]);
    let said = text(&reload.stdout);
    assert!(reload.status.success(), "{reload:?}");
    assert!(said.contains("stack reload: requested"), "{said}");
    let finished = said.lines().last().unwrap_or_default();
    assert!(
        finished.contains("stack reload applied"),
        "ends with the result: {said}"
    );
    // The loop printed the same reload in its own timeline.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut echoed = false;
    while !echoed && Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_secs(1)) {
            echoed = line.contains("stack reload: requested");
        }
    }
    assert!(echoed, "the loop's own timeline shows the reload");
    // Another profile than the loop's is refused, and says which one it is on.
    let other = project.cli(&["-P", "prod", "reload", "stack"], &[]);
    assert_eq!(other.status.code(), Some(1), "{other:?}");
    assert!(
        text(&other.stderr).contains("profile local, not prod"),
        "{other:?}"
    );
    let _ = watch.kill();
    let _ = watch.wait();
}
