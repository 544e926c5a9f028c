//! Docker contexts: the binary reaches the daemon of the context that config.json or
//! DOCKER_CONTEXT selects, every `docker` it spawns is pinned to that context, a context whose
//! socket is gone is reported by name and socket (status exit 4), and an unknown one is named.
//! No stack is started: `status`, `doctor` and compose's `config` are enough.

use std::path::PathBuf;
use std::process::{Command, Output};

const GOOD_SOCKET: &str = "unix:///var/run/docker.sock";
const BAD_SOCKET: &str = "unix:///nonexistent/stack-tui-context.sock";

/// A DOCKER_CONFIG with contexts `good` and `bad`, a project with one buildable service, and a
/// `docker` on PATH that logs its arguments before running the real one.
struct Setup {
    dir: tempfile::TempDir,
    real_docker: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let real_docker = find_on_path("docker").expect("docker CLI on PATH");
        let setup = Self { dir, real_docker };
        setup.context("good", GOOD_SOCKET);
        setup.context("bad", BAD_SOCKET);
        setup.project();
        setup.wrapper();
        setup
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("docker-config")
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("docker-calls.log")
    }

    /// Written as `docker context create` writes it: meta.json under the name's SHA-256.
    fn context(&self, name: &str, host: &str) {
        let digest = sha256_hex(name);
        let meta_dir = self.config_dir().join("contexts/meta").join(digest);
        std::fs::create_dir_all(&meta_dir).expect("meta dir");
        let meta = serde_json::json!({
            "Name": name,
            "Metadata": {"Description": "stack-tui test"},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
        });
        std::fs::write(meta_dir.join("meta.json"), meta.to_string()).expect("meta.json");
    }

    fn select_in_config(&self, name: &str) {
        let config = serde_json::json!({ "currentContext": name });
        std::fs::write(self.config_dir().join("config.json"), config.to_string())
            .expect("config.json");
    }

    /// A service that is built, so doctor needs no image and nothing is pulled.
    fn project(&self) {
        let root = self.root();
        for dir in ["compose/app", "local", "env"] {
            std::fs::create_dir_all(root.join(dir)).expect("mkdir");
        }
        std::fs::write(
            root.join("compose/compose.yaml"),
            "services:\n  app:\n    image: stack-tui-context-test:never\n    build: ./app\n",
        )
        .expect("base");
        std::fs::write(root.join("compose/app/Dockerfile"), "FROM scratch\n").expect("Dockerfile");
        std::fs::write(root.join("local/compose.yaml"), "services:\n  app: {}\n").expect("overlay");
        std::fs::write(root.join("env/common.env"), "UNUSED=1\n").expect("env");
    }

    fn wrapper(&self) {
        let bin = self.dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            self.log().display(),
            self.real_docker.display()
        );
        let path = bin.join("docker");
        std::fs::write(&path, script).expect("wrapper");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// The binary with only the Docker variables given here (DOCKER_HOST and friends removed).
    fn run(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let _ = std::fs::remove_file(self.log());
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new(env!("CARGO_BIN_EXE_stack-tui"));
        command
            .arg("--root")
            .arg(self.root())
            .args(["--project-prefix", "sttestctx"])
            .args(args)
            .env("PATH", path)
            .env("DOCKER_CONFIG", self.config_dir())
            .env("NO_COLOR", "1");
        for var in [
            "DOCKER_HOST",
            "DOCKER_CONTEXT",
            "DOCKER_TLS_VERIFY",
            "DOCKER_CERT_PATH",
        ] {
            command.env_remove(var);
        }
        command.envs(envs.iter().copied());
        command.output().expect("run stack-tui")
    }

    /// Every logged `docker` call; doctor's own `context inspect` is left to the CLI's choice.
    fn pinned_calls(&self) -> (Vec<String>, Vec<String>) {
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        log.lines()
            .filter(|line| !line.starts_with("context inspect"))
            .map(str::to_string)
            .partition(|line| line.starts_with("--context good "))
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn sha256_hex(name: &str) -> String {
    let output = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(name.as_bytes())?;
            child.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_good_context_works(setup: &Setup, envs: &[(&str, &str)], source: &str) {
    let doctor = setup.run(&["doctor"], envs);
    let out = text(&doctor);
    assert!(doctor.status.success(), "doctor with 'good': {out}");
    assert!(
        out.contains(&format!("context 'good' (from {source}) at {GOOD_SOCKET}")),
        "doctor names the context, its source and socket: {out}"
    );
    assert!(
        out.contains("docker CLI agrees: current context 'good'"),
        "{out}"
    );
    assert!(
        out.contains("compose model: 1 services"),
        "compose ran: {out}"
    );
    let (pinned, other) = setup.pinned_calls();
    assert!(
        pinned
            .iter()
            .any(|call| call.contains("compose") && call.contains("config")),
        "compose config ran pinned to the context: {pinned:?}"
    );
    assert!(
        other.is_empty(),
        "docker calls not pinned to 'good': {other:?}"
    );

    // Nothing runs in this project: 3 (degraded), not 4 (unreachable).
    let status = setup.run(&["status", "--json"], envs);
    assert_eq!(status.status.code(), Some(3), "{}", text(&status));
}

fn assert_bad_context_fails(setup: &Setup, envs: &[(&str, &str)]) {
    let status = setup.run(&["status"], envs);
    let out = text(&status);
    assert_eq!(
        status.status.code(),
        Some(4),
        "4 = daemon unreachable: {out}"
    );
    assert!(
        out.contains("context 'bad'") && out.contains(BAD_SOCKET),
        "the error names the context and its socket: {out}"
    );
    let doctor = setup.run(&["doctor"], envs);
    let out = text(&doctor);
    assert!(!doctor.status.success(), "{out}");
    assert!(
        out.contains("context 'bad'") && out.contains(BAD_SOCKET) && out.contains("Fix:"),
        "{out}"
    );
}

#[test]
fn the_context_in_config_json_is_used_for_the_api_and_for_compose() {
    let setup = Setup::new();
    setup.select_in_config("good");
    let source = format!(
        "{} currentContext",
        setup.config_dir().join("config.json").display()
    );
    assert_good_context_works(&setup, &[], &source);
    setup.select_in_config("bad");
    assert_bad_context_fails(&setup, &[]);
}

#[test]
fn docker_context_overrides_config_json() {
    let setup = Setup::new();
    setup.select_in_config("bad");
    assert_good_context_works(&setup, &[("DOCKER_CONTEXT", "good")], "DOCKER_CONTEXT");
    setup.select_in_config("good");
    assert_bad_context_fails(&setup, &[("DOCKER_CONTEXT", "bad")]);
}

#[test]
fn an_unknown_context_is_named_with_the_known_ones() {
    let setup = Setup::new();
    let envs = [("DOCKER_CONTEXT", "nope")];
    let status = setup.run(&["status"], &envs);
    let out = text(&status);
    assert_eq!(
        status.status.code(),
        Some(1),
        "a setup mistake, not 4: {out}"
    );
    assert!(
        out.contains("context 'nope' (from DOCKER_CONTEXT) does not exist")
            && out.contains("Known contexts: bad, default, good"),
        "{out}"
    );
    let doctor = setup.run(&["doctor"], &envs);
    assert!(!doctor.status.success());
    assert!(text(&doctor).contains("'nope'"), "{}", text(&doctor));
}

#[test]
fn docker_host_wins_and_doctor_flags_the_context_it_hides() {
    let setup = Setup::new();
    setup.select_in_config("bad");
    let envs = [("DOCKER_HOST", GOOD_SOCKET)];
    let doctor = setup.run(&["doctor"], &envs);
    let out = text(&doctor);
    assert!(doctor.status.success(), "{out}");
    assert!(
        out.contains(&format!("DOCKER_HOST at {GOOD_SOCKET}")),
        "{out}"
    );
    assert!(
        out.contains("[warn] DOCKER_HOST overrides context 'bad'"),
        "{out}"
    );
    // DOCKER_HOST reaches the children through the environment: no --context.
    let log = std::fs::read_to_string(setup.log()).unwrap_or_default();
    assert!(!log.contains("--context"), "{log}");
}
