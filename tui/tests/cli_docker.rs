//! The CLI against the real engine: `status --json` agrees with the Engine API on a throwaway
//! compose project the test creates under `--root`; `doctor` reports an unreachable daemon.

use bollard::Docker;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
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
        let mut command = Command::new(env!("CARGO_BIN_EXE_stack-tui"));
        command
            .arg("--root")
            .arg(self.root.path())
            .args(["--project-prefix", &self.prefix])
            .args(args);
        for (key, value) in envs {
            command.env(key, value);
        }
        command.output().expect("run stack-tui")
    }

    fn root(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "--volumes", "--remove-orphans", "--timeout", "1"]);
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
