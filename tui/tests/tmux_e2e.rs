//! The real `stack-tui` binary in a real terminal (a private tmux server, 160×48) against a
//! throwaway compose project: services healthy, a killed container shown as exited, probe output in
//! the health detail, logs narrowed by a regex, the topology, profile switching, and `q` restoring
//! the terminal. Needs Docker, Compose v2, tmux and the `stack-tui/base:bookworm` image.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const WIDTH: &str = "160";
const HEIGHT: &str = "48";
const SERVICES: [&str; 4] = ["app", "postgres", "redis", "web"];

fn run(command: &mut Command) -> Output {
    command.output().expect("spawn a helper program")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create fixture copy");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// A copy of `tests/fixtures/e2e` under a temp dir, with its own project prefix; taken down
/// (containers, networks, volumes) even when the test fails.
struct Project {
    dir: tempfile::TempDir,
    prefix: String,
}

impl Project {
    fn create(tag: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e2e");
        copy_tree(&fixture, &dir.path().join("root"));
        let prefix = format!("ste2e{}{tag}", std::process::id());
        Self { dir, prefix }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn project(&self) -> String {
        format!("{}-local", self.prefix)
    }

    fn container(&self, service: &str) -> String {
        format!("{}-{service}-1", self.project())
    }

    fn compose(&self, args: &[&str]) -> Output {
        let root = self.root();
        run(Command::new("docker")
            .args(["compose", "-p", &self.project(), "--env-file"])
            .arg(root.join("env/common.env"))
            .arg("-f")
            .arg(root.join("compose/compose.yaml"))
            .arg("-f")
            .arg(root.join("local/compose.yaml"))
            .args(args))
    }

    /// A shell script that runs the dashboard with private XDG dirs, then records how it ended.
    fn launcher(&self, config: Option<&Path>) -> PathBuf {
        let dir = self.dir.path();
        let config_line = config
            .map(|path| format!("export STACK_TUI_CONFIG='{}'\n", path.display()))
            .unwrap_or_default();
        let script = format!(
            "#!/bin/sh\n\
             export XDG_STATE_HOME='{dir}/state' XDG_CONFIG_HOME='{dir}/config'\n\
             unset NO_COLOR STACK_TUI_CONFIG\n\
             {config_line}\
             cd '{dir}'\n\
             '{bin}' --root '{root}' --project-prefix '{prefix}'\n\
             echo $? > '{dir}/exit-code'\n\
             stty -a > '{dir}/stty'\n\
             exec sleep 600\n",
            dir = dir.display(),
            bin = env!("CARGO_BIN_EXE_stack-tui"),
            root = self.root().display(),
            prefix = self.prefix,
        );
        let path = dir.join("launch.sh");
        std::fs::write(&path, script).expect("write launcher");
        path
    }

    fn written(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join(name)).ok()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "--volumes", "--remove-orphans", "--timeout", "1"]);
    }
}

/// A tmux server on its own socket running one command; killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(tag: &str, launcher: &Path) -> Self {
        let tmux = Self {
            socket: format!("stack-tui-e2e-{}-{tag}", std::process::id()),
        };
        let output = tmux
            .command(&["new-session", "-d", "-s", "e2e", "-x", WIDTH, "-y", HEIGHT])
            .arg("sh")
            .arg(launcher)
            .output()
            .expect("run tmux");
        assert!(output.status.success(), "tmux: {output:?}");
        tmux
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args);
        command
    }

    fn screen(&self) -> String {
        let output = run(&mut self.command(&["capture-pane", "-p", "-t", "e2e"]));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Keys in tmux `send-keys` syntax (`Enter`, `Escape`); `-l` sends text literally.
    fn keys(&self, keys: &[&str]) {
        let output = run(self.command(&["send-keys", "-t", "e2e"]).args(keys));
        assert!(output.status.success(), "send-keys: {output:?}");
    }

    fn text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    fn pane_flag(&self, name: &str) -> String {
        let format = format!("#{{{name}}}");
        let output = run(&mut self.command(&["display-message", "-p", "-t", "e2e", &format]));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Polls the pane until `done` holds; the screen seen last is in the panic message.
    fn wait_for(&self, what: &str, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The server leaves its socket file behind; ask where it is before killing it.
        let socket = run(&mut self.command(&["display-message", "-p", "#{socket_path}"]));
        let _ = run(&mut self.command(&["kill-server"]));
        let path = String::from_utf8_lossy(&socket.stdout).trim().to_string();
        if !path.is_empty() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The services-table row of `service` (the text after the left border).
fn row<'a>(screen: &'a str, service: &str) -> Option<&'a str> {
    screen.lines().find_map(|line| {
        let inner = line.strip_prefix('│')?;
        inner
            .strip_prefix(service)
            .filter(|rest| rest.starts_with(' '))
            .map(|_| inner)
    })
}

fn all_healthy(screen: &str) -> bool {
    SERVICES.iter().all(|service| {
        row(screen, service).is_some_and(|r| r.contains(" running ") && r.contains(" healthy "))
    })
}

/// The non-empty lines between a panel's side borders.
fn log_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|line| line.strip_prefix('│'))
        .map(|inner| inner.trim_end_matches('│').trim_end().to_string())
        .filter(|inner| !inner.is_empty())
        .collect()
}

#[test]
fn dashboard_in_a_real_terminal_follows_the_engine() {
    let project = Project::create("main");
    let up = project.compose(&["up", "-d", "--wait", "--wait-timeout", "60"]);
    assert!(
        up.status.success(),
        "compose up: {}",
        String::from_utf8_lossy(&up.stderr)
    );
    let port = run(Command::new("docker").args(["port", &project.container("web"), "8080"]));
    let published = String::from_utf8_lossy(&port.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(
        published.starts_with("127.0.0.1:"),
        "web publishes on 127.0.0.1: {published:?}"
    );

    let tmux = Tmux::start("main", &project.launcher(None));
    let long = Duration::from_secs(20);
    tmux.wait_for("four healthy services", long, all_healthy);

    // A killed container is drawn as exited. The issue's target is 1 s; the bound here is generous
    // for a loaded CI box, and the measured latency is printed (tui/bench/dashboard measures it).
    let killed = Instant::now();
    let kill = run(Command::new("docker").args(["kill", &project.container("redis")]));
    assert!(kill.status.success(), "docker kill: {kill:?}");
    tmux.wait_for("redis shown exited", Duration::from_secs(5), |screen| {
        row(screen, "redis").is_some_and(|r| r.contains("exited"))
    });
    eprintln!("docker kill → drawn as exited: {:?}", killed.elapsed());
    let screen = tmux.screen();
    assert!(row(&screen, "postgres").is_some_and(|r| r.contains(" healthy ")));

    // Health detail: filter the services to postgres, drill in, see the probe's own output.
    tmux.keys(&["/"]);
    tmux.text("postgres");
    tmux.keys(&["Enter", "Enter"]);
    tmux.wait_for("postgres probe output", long, |screen| {
        screen.contains("Health · postgres") && screen.contains("accepting-connections")
    });

    // Logs: the web service's access lines, then a regex keeps only some of them.
    tmux.keys(&["3"]);
    let screen = tmux.wait_for("access lines", long, |screen| {
        screen.contains("GET /items/") && screen.contains("GET /health 204")
    });
    let before = log_lines(&screen).len();
    tmux.keys(&["/"]);
    tmux.text(r"items/[0-9]*5 ");
    tmux.keys(&["Enter"]);
    let filtered = tmux.wait_for("filtered logs", long, |screen| {
        screen.contains("/items/[0-9]*5 /") && screen.contains("GET /items/5 200")
    });
    let body: Vec<String> = log_lines(&filtered)
        .into_iter()
        .filter(|line| line.contains("GET /"))
        .collect();
    assert!(!body.is_empty(), "{filtered}");
    assert!(
        request_numbers_end_in_5(&body),
        "only matching lines remain:\n{filtered}"
    );
    assert!(!filtered.contains("GET /health"), "{filtered}");
    assert!(
        body.len() < before,
        "the filter narrowed the view:\n{filtered}"
    );

    // Topology: the internal backend network, the public one, web's published port.
    tmux.keys(&["4"]);
    let expected_port = format!("web {published}->8080");
    tmux.wait_for("topology", long, |screen| {
        screen.contains("backend [internal]")
            && screen.contains("frontend [public]")
            && screen.contains(&expected_port)
    });

    // Switching to a profile that is down empties the view.
    tmux.keys(&[":"]);
    tmux.text("profile dev");
    tmux.keys(&["Enter", "1"]);
    tmux.wait_for("dev profile", long, |screen| {
        screen.contains(&format!("profile dev ({}-dev)", project.prefix))
            && screen.contains("0 containers")
            && row(screen, "web").is_none()
    });

    // `q` quits with status 0 and leaves the terminal as it found it.
    assert_eq!(
        tmux.pane_flag("alternate_on"),
        "1",
        "the UI uses the alternate screen"
    );
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while project.written("stty").is_none() {
        assert!(
            Instant::now() < deadline,
            "dashboard did not exit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        project.written("exit-code").as_deref().map(str::trim),
        Some("0")
    );
    assert_eq!(tmux.pane_flag("alternate_on"), "0", "alternate screen left");
    assert_eq!(tmux.pane_flag("cursor_flag"), "1", "cursor shown again");
    assert_eq!(tmux.pane_flag("mouse_any_flag"), "0", "mouse reporting off");
    let stty = project.written("stty").unwrap_or_default();
    let words: Vec<&str> = stty.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "cooked mode back: {stty}"
    );
}

/// Every access line matches `items/[0-9]*5 `: its request number ends in 5.
fn request_numbers_end_in_5(lines: &[String]) -> bool {
    lines.iter().all(|line| {
        line.split("GET /items/")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .is_some_and(|number| {
                number.ends_with('5') && number.bytes().all(|b| b.is_ascii_digit())
            })
    })
}

#[test]
fn a_broken_config_is_reported_in_the_footer_and_the_dashboard_still_runs() {
    // The project is never brought up: the dashboard opens on an empty profile.
    let project = Project::create("config");
    let broken =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/bad_colour.toml");
    let tmux = Tmux::start("config", &project.launcher(Some(&broken)));
    tmux.wait_for("the config warning", Duration::from_secs(20), |screen| {
        screen.contains("ignored, using defaults") && screen.contains("blood-orange")
    });
    // Defaults are in force: `q` (not overridden) quits.
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while project.written("stty").is_none() {
        assert!(
            Instant::now() < deadline,
            "dashboard did not exit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        project.written("exit-code").as_deref().map(str::trim),
        Some("0")
    );
}
