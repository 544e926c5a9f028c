//! One profile of the stack, brought up for a test under its own compose project name on free
//! loopback ports, and taken down with its volumes when dropped (also when the test panics).

use std::cell::Cell;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::ContainerInspectResponse;
use tokio::runtime::Runtime;

use crate::http::Http;
use crate::{engine, free_port, repo_root};

/// Project names of test stacks start with this, followed by the profile and the test's pid.
pub const TEST_PROJECT_PREFIX: &str = "stack-test-";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Local,
    Dev,
    Prod,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Local => "local",
            Profile::Dev => "dev",
            Profile::Prod => "prod",
        }
    }

    pub fn app_replicas(self) -> usize {
        match self {
            Profile::Local => 1,
            Profile::Dev => 2,
            Profile::Prod => 3,
        }
    }

    pub fn tls(self) -> bool {
        self == Profile::Prod
    }
}

/// One test at a time runs containers in a test process: the stack tests share one binary, and
/// two tests starting stacks at once on a small machine would time each other out. Held by every
/// `Stack` for its lifetime; tests that start containers otherwise take it themselves. A test
/// that holds it may take it again (three `Stack`s side by side): the turn is per thread.
pub fn exclusive() -> Turn {
    static TURN: Mutex<()> = Mutex::new(());
    let nested = HELD.with(|held| {
        held.set(held.get() + 1);
        held.get() > 1
    });
    // A test that failed while holding it leaves nothing running (guards clean up on unwind).
    let guard = (!nested).then(|| TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    Turn { _guard: guard }
}

thread_local! {
    /// How many turns this thread holds (a test runs on one thread).
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// This thread's turn to run containers; given back when the last one is dropped.
pub struct Turn {
    _guard: Option<MutexGuard<'static, ()>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get().saturating_sub(1)));
    }
}

/// Runs compose/prepare once per test process (secrets, certificate, app artifacts, image choice).
pub fn prepare() {
    static PREPARED: OnceLock<Result<(), String>> = OnceLock::new();
    let outcome = PREPARED.get_or_init(|| {
        let output = Command::new(repo_root().join("compose/prepare"))
            .current_dir(repo_root())
            .output()
            .map_err(|err| format!("cannot run compose/prepare: {err}"))?;
        // On stderr: a bench's stdout is its report.
        eprint!("{}", String::from_utf8_lossy(&output.stdout));
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "compose/prepare failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(message) = outcome {
        panic!("{message}");
    }
}

/// The stdout of a `docker compose` run with `args`; panics with compose's own output when it
/// failed.
pub fn compose_stdout(args: &[&str], output: &Output) -> String {
    assert!(
        output.status.success(),
        "docker compose {args:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `docker compose` for a profile exactly as the README writes it, with the published ports
/// moved by environment variables (the shell environment beats the env files).
pub fn compose_command(
    profile: Profile,
    project: &str,
    http_port: u16,
    https_port: Option<u16>,
) -> Command {
    let name = profile.name();
    let mut command = Command::new("docker");
    command
        .current_dir(repo_root())
        .arg("compose")
        .args(["--project-name", project])
        .args([
            "--env-file",
            "env/common.env",
            "--env-file",
            "env/images.env",
        ])
        .args(["--env-file", &format!("env/{name}.env")])
        .args(["--file", "compose/compose.yaml"])
        .args(["--file", &format!("{name}/compose.yaml")])
        .env("STACK_BIND_ADDR", "127.0.0.1")
        .env("STACK_HTTP_PORT", http_port.to_string());
    if let Some(port) = https_port {
        command.env("STACK_HTTPS_PORT", port.to_string());
    }
    command
}

pub struct Stack {
    pub profile: Profile,
    pub project: String,
    /// The plain-HTTP port (the site in local/dev, the redirect in prod).
    pub http_port: u16,
    /// The HTTPS port (prod only).
    pub https_port: Option<u16>,
    pub docker: Docker,
    runtime: Runtime,
    _turn: Turn,
}

impl Stack {
    /// Prepares, builds the images (not timed), starts the profile and waits until every
    /// container is healthy. Returns the stack and how long `up` took to reach all healthy.
    pub fn start(profile: Profile) -> (Self, Duration) {
        let project = format!(
            "{TEST_PROJECT_PREFIX}{}-{}",
            profile.name(),
            std::process::id()
        );
        Self::start_named(profile, project)
    }

    /// Like `start`, under a project name the caller chose (e.g. `<prefix>-<profile>` for
    /// stack-tui's `--project-prefix`). Names outside `TEST_PROJECT_PREFIX` are never taken for
    /// another test's leftovers.
    pub fn start_named(profile: Profile, project: String) -> (Self, Duration) {
        Self::start_with(profile, project, true)
    }

    /// Like `start_named` without running compose/prepare, for a caller that knows it has run.
    pub fn start_prepared(profile: Profile, project: String) -> (Self, Duration) {
        Self::start_with(profile, project, false)
    }

    fn start_with(profile: Profile, project: String, run_prepare: bool) -> (Self, Duration) {
        let turn = exclusive();
        if run_prepare {
            prepare();
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime for Engine API calls");
        let docker = runtime
            .block_on(async {
                Docker::connect_with_local_defaults()?
                    .negotiate_version()
                    .await
            })
            .expect("the Docker engine answers (DOCKER_HOST / /var/run/docker.sock)");
        let stack = Self {
            profile,
            project,
            http_port: free_port(),
            https_port: profile.tls().then(free_port),
            docker,
            runtime,
            _turn: turn,
        };
        stack.remove_stale_test_projects();
        stack.compose_ok(&["build", "--quiet"]);
        let started = Instant::now();
        stack.compose_ok(&["up", "--detach", "--no-build"]);
        stack.wait_all_healthy(started, Duration::from_secs(60));
        let elapsed = started.elapsed();
        (stack, elapsed)
    }

    /// Runs an Engine API call on this stack's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// `docker compose` with this stack's project, env files, compose files and ports.
    pub fn compose(&self, args: &[&str]) -> Output {
        compose_command(self.profile, &self.project, self.http_port, self.https_port)
            .args(args)
            .output()
            .unwrap_or_else(|err| panic!("cannot run docker compose {args:?}: {err}"))
    }

    /// Like `compose`, but panics with compose's own output when it fails.
    pub fn compose_ok(&self, args: &[&str]) -> String {
        compose_stdout(args, &self.compose(args))
    }

    /// Every long-running container of the project, inspected (one-shots such as migrate are
    /// apart: [`Stack::one_shots`]).
    pub fn containers(&self) -> Vec<ContainerInspectResponse> {
        self.block_on(engine::project_containers(&self.docker, &self.project))
            .into_iter()
            .filter(|c| !engine::is_one_shot(c))
            .collect()
    }

    /// The containers of the one-shot services (the migrations), inspected.
    pub fn one_shots(&self) -> Vec<ContainerInspectResponse> {
        self.block_on(engine::project_containers(&self.docker, &self.project))
            .into_iter()
            .filter(engine::is_one_shot)
            .collect()
    }

    /// The running containers of one service, inspected.
    pub fn service(&self, service: &str) -> Vec<ContainerInspectResponse> {
        self.containers()
            .into_iter()
            .filter(|c| engine::service_of(c) == Some(service))
            .collect()
    }

    pub fn expected_containers(&self) -> usize {
        3 + self.profile.app_replicas()
    }

    /// Waits until the project has all its containers and every one is healthy (read through
    /// the Engine API), and its one-shots (the migrations) exited 0; panics naming the laggards
    /// when `within` has passed since `since`, and at once when a one-shot failed.
    pub fn wait_all_healthy(&self, since: Instant, within: Duration) {
        loop {
            let one_shots = self.one_shots();
            if let Some(failed) = one_shots
                .iter()
                .find(|c| engine::exit_code(c).is_some_and(|code| code != 0))
            {
                let logs = self.compose(&["logs", "--no-color", "--tail", "30"]);
                panic!(
                    "{}: {} exited {:?}\n{}",
                    self.project,
                    engine::name(failed),
                    engine::exit_code(failed),
                    String::from_utf8_lossy(&logs.stdout)
                );
            }
            let containers = self.containers();
            let unhealthy: Vec<String> = containers
                .iter()
                .filter(|c| engine::health(c) != "healthy")
                .map(|c| format!("{} ({})", engine::name(c), engine::health(c)))
                .collect();
            let one_shots_done =
                !one_shots.is_empty() && one_shots.iter().all(|c| engine::exit_code(c) == Some(0));
            if containers.len() == self.expected_containers()
                && unhealthy.is_empty()
                && one_shots_done
            {
                return;
            }
            if since.elapsed() > within {
                let logs = self.compose(&["logs", "--no-color", "--tail", "30"]);
                panic!(
                    "{}: not all healthy {:?} after {within:?}: {} of {} containers, waiting for {unhealthy:?}\n{}",
                    self.project,
                    since.elapsed(),
                    containers.len(),
                    self.expected_containers(),
                    String::from_utf8_lossy(&logs.stdout)
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }

    /// The URL of the profile's public site: HTTPS in prod, HTTP otherwise.
    pub fn site_url(&self, path: &str) -> String {
        match self.https_port {
            Some(port) => format!("https://127.0.0.1:{port}{path}"),
            None => self.http_url(path),
        }
    }

    /// A client for the public site (trusting the stack's own certificate in prod).
    pub fn client(&self, timeout: Duration) -> Http {
        if self.profile.tls() {
            let pem = std::fs::read(repo_root().join("proxy-config/tls/cert.pem"))
                .expect("compose/prepare wrote proxy-config/tls/cert.pem");
            Http::trusting(timeout, &pem)
        } else {
            Http::plain(timeout)
        }
    }

    /// Takes down test projects left behind by test processes that no longer run.
    fn remove_stale_test_projects(&self) {
        for project in self.block_on(engine::project_names(&self.docker, TEST_PROJECT_PREFIX)) {
            let pid = project
                .rsplit('-')
                .next()
                .and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if !alive && project != self.project {
                let _ = Command::new("docker")
                    .args(["compose", "--project-name", &project, "down", "--volumes"])
                    .args(["--remove-orphans", "--timeout", "5"])
                    .output();
            }
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let output = self.compose(&["down", "--volumes", "--remove-orphans", "--timeout", "5"]);
        if !output.status.success() {
            eprintln!(
                "clean-up of {} failed: {}",
                self.project,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        remove_dangling_test_images();
    }
}

/// Compose project names of the tests (stack, reload and dashboard tests).
const TEST_PROJECT_PREFIXES: [&str; 2] = ["stack-test-", "stte2e"];

/// Untagged images built for test projects (compose labels each with its project): a rebuild
/// under the same tag leaves the previous image behind. Images of other projects are not touched,
/// nor images a container still uses.
pub fn remove_dangling_test_images() {
    let Ok(listed) = Command::new("docker")
        .args([
            "images",
            "--quiet",
            "--no-trunc",
            "--filter",
            "dangling=true",
        ])
        .output()
    else {
        return;
    };
    let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return;
    }
    let format = "{{.Id}} {{index .Config.Labels \"com.docker.compose.project\"}}";
    let Ok(inspected) = Command::new("docker")
        .args(["image", "inspect", "--format", format])
        .args(&ids)
        .output()
    else {
        return;
    };
    let ours: Vec<String> = String::from_utf8_lossy(&inspected.stdout)
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(_, project)| {
            TEST_PROJECT_PREFIXES
                .iter()
                .any(|prefix| project.starts_with(prefix))
        })
        .map(|(id, _)| id.to_owned())
        .collect();
    if !ours.is_empty() {
        let _ = Command::new("docker").arg("rmi").args(&ours).output();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn the_turn_is_reentrant_on_one_thread_and_exclusive_across_threads() {
        let outer = exclusive();
        let inner = exclusive();
        let (sender, taken) = mpsc::channel();
        let other = std::thread::spawn(move || {
            let _turn = exclusive();
            sender.send(()).expect("the test waits");
        });
        drop(inner);
        assert!(
            taken.recv_timeout(Duration::from_millis(200)).is_err(),
            "another thread waits while this one still holds a turn"
        );
        drop(outer);
        taken
            .recv_timeout(Duration::from_secs(10))
            .expect("the turn passes on once the last one is dropped");
        other.join().expect("the other thread ends");
    }
}
