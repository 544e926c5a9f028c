//! The real `stack-tui` binary in a real terminal (a private tmux server, 160×48) against the real
//! local stack (compose/, local/, env/ of this repository) brought up under a project name of its
//! own on a free 127.0.0.1 port: services healthy, a killed Redis shown as exited, probe output in
//! the health detail, the app's access lines narrowed by a regex, one request's nginx and app
//! lines in the request view (Enter on its access line), the topology, profile switching,
//! and `q` restoring the terminal. Needs what .ci/setup-host installs (Docker, Compose v2, tmux,
//! the base image); the stack images are built by compose/prepare through the stack support.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use test_support::tmux::Tmux;

use test_support::repo_root;
use test_support::stack::{Profile, Stack};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
const SERVICES: [&str; 4] = ["nginx", "app", "redis", "postgres"];

fn run(command: &mut Command) -> Output {
    command.output().expect("spawn a helper program")
}

/// Where one dashboard run keeps its launcher, private XDG dirs and how it ended.
struct Session {
    dir: tempfile::TempDir,
    /// `--project-prefix`: the dashboard watches `<prefix>-<profile>`.
    prefix: String,
}

impl Session {
    fn new(tag: &str) -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            prefix: format!("stte2e{}{tag}", std::process::id()),
        }
    }

    fn project(&self, profile: &str) -> String {
        format!("{}-{profile}", self.prefix)
    }

    /// A shell script that runs the dashboard on the repository with private XDG dirs and the
    /// stack's port, then records how it ended.
    fn launcher(&self, http_port: u16, config: Option<&Path>) -> PathBuf {
        let dir = self.dir.path();
        let config_line = config
            .map(|path| format!("export STACK_TUI_CONFIG='{}'\n", path.display()))
            .unwrap_or_default();
        // --no-watch: this runs on the working tree itself, where hot reload must not act on
        // whatever else changes meanwhile; hot reload has its own tests on scratch copies.
        let script = format!(
            "#!/bin/sh\n\
             export XDG_STATE_HOME='{dir}/state' XDG_CONFIG_HOME='{dir}/config'\n\
             export STACK_BIND_ADDR=127.0.0.1 STACK_HTTP_PORT={http_port}\n\
             unset NO_COLOR STACK_TUI_CONFIG STACK_TUI_PROFILE STACK_TUI_ROOT STACK_TUI_PROJECT_PREFIX\n\
             {config_line}\
             cd '{dir}'\n\
             '{bin}' --root '{root}' --project-prefix '{prefix}' --profile local --no-watch\n\
             echo $? > '{dir}/exit-code'\n\
             stty -a > '{dir}/stty'\n\
             exec sleep 600\n",
            dir = dir.display(),
            bin = env!("CARGO_BIN_EXE_stack-tui"),
            root = repo_root().display(),
            prefix = self.prefix,
        );
        let path = dir.join("launch.sh");
        std::fs::write(&path, script).expect("write launcher");
        path
    }

    fn written(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join(name)).ok()
    }

    /// Waits for the dashboard to exit after `q` and checks it exited with status 0.
    fn wait_exit(&self, tmux: &Tmux) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.written("stty").is_none() {
            assert!(
                Instant::now() < deadline,
                "dashboard did not exit:\n{}",
                tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            self.written("exit-code").as_deref().map(str::trim),
            Some("0")
        );
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

/// The Metrics panel's 5xx/s for nginx (its row's last column).
fn nginx_5xx(screen: &str) -> Option<String> {
    let row = row(screen, "nginx")?;
    row.trim_end_matches('│')
        .split_whitespace()
        .last()
        .map(str::to_string)
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

/// The logs panel's rows that start with a time (`HH:MM:SS.mmm`): the time and the service after it.
fn stamped_lines(screen: &str) -> Vec<(String, String)> {
    log_lines(screen)
        .iter()
        .filter_map(|line| {
            let (time, rest) = line.split_once(' ')?;
            let shaped = time.len() == 12
                && time.bytes().enumerate().all(|(i, b)| match i {
                    2 | 5 => b == b':',
                    8 => b == b'.',
                    _ => b.is_ascii_digit(),
                });
            let source = rest.split_whitespace().next()?;
            shaped.then(|| (time.to_string(), source.to_string()))
        })
        .collect()
}

/// The access lines' request paths, `/api/items/<n>`, among the given panel lines.
fn item_numbers(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|line| line.split("\"path\":\"/api/items/").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn dashboard_in_a_real_terminal_follows_the_local_stack() {
    let session = Session::new("main");
    let (stack, took) = Stack::start_named(Profile::Local, session.project("local"));
    eprintln!(
        "{}: all healthy {took:?} after up, nginx on 127.0.0.1:{}",
        stack.project, stack.http_port
    );

    let tmux = Tmux::start(
        "main",
        &session.launcher(stack.http_port, None),
        WIDTH,
        HEIGHT,
    );
    let long = Duration::from_secs(30);
    tmux.wait_for("four healthy services", long, all_healthy);

    // A killed container is drawn as exited. The issue's bound is 1 s; the measured latency is
    // printed, and the gate is generous (5 s) so a loaded CI box doesn't fail it by scheduling
    // (tui/bench/dashboard measures the latency properly). redis restarts unless stopped, and the
    // engine counts a kill as stopped, so it stays down.
    let redis = format!("{}-redis-1", stack.project);
    let killed = Instant::now();
    let kill = run(Command::new("docker").args(["kill", &redis]));
    assert!(kill.status.success(), "docker kill: {kill:?}");
    tmux.wait_for("redis shown exited", Duration::from_secs(5), |screen| {
        row(screen, "redis").is_some_and(|r| r.contains("exited"))
    });
    let latency = killed.elapsed();
    eprintln!("docker kill → drawn as exited: {latency:?} (issue target ≤ 1 s)");
    assert!(
        latency <= Duration::from_secs(5),
        "kill drawn after {latency:?}"
    );
    let screen = tmux.screen();
    assert!(
        row(&screen, "postgres").is_some_and(|r| r.contains(" healthy ")),
        "{screen}"
    );

    // Health detail: filter the services to postgres, drill in, see pg_isready's own output.
    tmux.keys(&["/"]);
    tmux.text("postgres");
    tmux.keys(&["Enter", "Enter"]);
    tmux.wait_for("postgres probe output", long, |screen| {
        screen.contains("Health · postgres") && screen.contains("accepting connections")
    });

    // Logs: requests through nginx put the app's JSON access lines in the multiplexed view...
    let http = stack.client(Duration::from_secs(10));
    for n in 1..=15 {
        let reply = http
            .get(&stack.http_url(&format!("/api/items/{n}")))
            .unwrap_or_else(|err| panic!("request {n} through nginx: {err}"));
        assert!(reply.status < 500 || reply.status == 503, "{reply:?}");
    }
    tmux.keys(&["3"]);
    let screen = tmux.wait_for("the app's access lines", long, |screen| {
        let numbers = item_numbers(&log_lines(screen));
        numbers.iter().any(|n| n == "15") && screen.contains("\"path\":\"/health\"")
    });
    let before = log_lines(&screen);
    // ...and a regex keeps only the requests whose number ends in 5.
    tmux.keys(&["/"]);
    tmux.text(r#""path":"/api/items/[0-9]*5""#);
    tmux.keys(&["Enter"]);
    // Waits for the whole filtered frame: a capture taken while the terminal is being redrawn
    // can still hold rows of the frame before.
    let only_matching = |screen: &str| {
        let mut numbers = item_numbers(&log_lines(screen));
        numbers.sort();
        numbers == ["15", "5"]
    };
    let filtered = tmux.wait_for("filtered logs", long, |screen| {
        screen.contains(r#"/"path":"/api/items/[0-9]*5"/"#)
            && !screen.contains("\"path\":\"/health\"")
            && only_matching(screen)
    });
    let body: Vec<String> = log_lines(&filtered)
        .into_iter()
        .filter(|line| line.contains("\"path\""))
        .collect();
    let mut numbers = item_numbers(&body);
    numbers.sort();
    assert_eq!(
        numbers,
        ["15", "5"],
        "only matching lines remain:\n{filtered}"
    );
    assert!(
        body.iter().all(|line| line.starts_with("app ")),
        "the source column names the service:\n{filtered}"
    );
    assert!(
        body.len() < before.len(),
        "the filter narrowed the view:\n{filtered}"
    );

    // The request view: a request's id comes back on its answer (nginx's $request_id, logged by
    // nginx and by the app); filtered to it, Enter on its access line shows the request's lines
    // from both services with nginx's and the app's timings, and Esc closes it.
    let reply = http
        .get(&stack.http_url("/api/items/42"))
        .unwrap_or_else(|err| panic!("request through nginx: {err}"));
    let id = reply
        .header("x-request-id")
        .unwrap_or_else(|| panic!("no X-Request-Id on the answer: {reply:?}"))
        .to_string();
    // `/` starts from the filter in force; ctrl-u clears it.
    tmux.keys(&["/", "C-u"]);
    tmux.text(&id);
    tmux.keys(&["Enter"]);
    // The filter keeps only lines holding the id (cut at the panel's width, it may not show).
    tmux.wait_for("the request's access lines", long, |screen| {
        let lines = log_lines(screen);
        let of = |service: &str| lines.iter().any(|l| l.starts_with(&format!("{service} ")));
        screen.contains(&format!("/{id}/")) && of("app") && of("nginx")
    });
    tmux.keys(&["Enter"]);
    let request = tmux.wait_for("the request view", long, |screen| {
        screen.contains(&format!("Request {id} · "))
            && screen.contains("nginx request_time")
            && screen.contains("app duration_ms")
    });
    let rows = log_lines(&request);
    assert!(
        rows.iter().any(|l| l.starts_with("app ")) && rows.iter().any(|l| l.starts_with("nginx ")),
        "both services' lines in the request view:\n{request}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the request view closed", long, |screen| {
        !screen.contains("Request ") && screen.contains(&format!("/{id}/"))
    });

    // The merged stream is in the engine's time order: Esc drops the filter, `t` shows each
    // line's time, and down the panel the times never go back, across nginx's and the app's lines.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter dropped", long, |screen| {
        !screen.contains(&format!("/{id}/"))
    });
    for n in 1..=10 {
        http.get(&stack.http_url(&format!("/api/items/{n}")))
            .unwrap_or_else(|err| panic!("request {n} through nginx: {err}"));
    }
    tmux.keys(&["t"]);
    let ordered = tmux.wait_for("time-stamped lines of nginx and the app", long, |screen| {
        let stamped = stamped_lines(screen);
        let from = |service: &str| stamped.iter().any(|(_, source)| source == service);
        stamped.len() >= 10 && from("nginx") && from("app")
    });
    let stamped = stamped_lines(&ordered);
    assert!(
        stamped.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "lines in time order down the panel:\n{ordered}"
    );
    tmux.keys(&["t"]);

    // Topology: the picture, with the public frontend and the internal backend network as bands,
    // nginx's published port, the killed Redis drawn exited and nginx's request rate (its own
    // healthcheck passes through it every 5 s) on the edge into it; `v` shows the same as a list.
    tmux.keys(&["4"]);
    let picture = tmux.wait_for("topology picture", long, |screen| {
        screen.contains("frontend · public")
            && screen.contains("backend · internal")
            && screen.contains(&format!("127.0.0.1:{}", stack.http_port))
            && screen.contains("exited")
            && screen.contains("/s ")
    });
    assert!(!picture.contains('✗'), "no isolation violation:\n{picture}");
    tmux.keys(&["v"]);
    let expected_port = format!("nginx 127.0.0.1:{}->8080", stack.http_port);
    let topology = tmux.wait_for("topology list", long, |screen| {
        screen.contains("backend [internal]")
            && screen.contains("frontend [public]")
            && screen.contains(&expected_port)
    });
    assert!(!topology.contains("isolation issue"), "{topology}");

    // Metrics: with Postgres paused, item requests answer 503 (the app's 1 s statement bound);
    // nginx's row shows a 5xx rate within 2 s of the first one coming back (the issue's bound),
    // then Postgres is unpaused.
    tmux.keys(&["9"]);
    tmux.wait_for("the metrics panel", long, |screen| {
        screen.contains("5xx/s") && nginx_5xx(screen).is_some()
    });
    let postgres = format!("{}-postgres-1", stack.project);
    let pause = run(Command::new("docker").args(["pause", &postgres]));
    assert!(pause.status.success(), "docker pause: {pause:?}");
    let first_5xx = (0..10)
        .find_map(|_| {
            let reply = http.get(&stack.http_url("/api/items?per_page=5")).ok()?;
            (reply.status >= 500).then(Instant::now)
        })
        .expect("a 5xx with Postgres paused");
    let shown = tmux.wait_for(
        "5xx in the metrics panel",
        Duration::from_secs(2),
        |screen| nginx_5xx(screen).is_some_and(|rate| rate != "0"),
    );
    eprintln!(
        "5xx shown {} ms after the first answer: {:?}",
        first_5xx.elapsed().as_millis(),
        nginx_5xx(&shown)
    );
    let unpause = run(Command::new("docker").args(["unpause", &postgres]));
    assert!(unpause.status.success(), "docker unpause: {unpause:?}");

    // `s` on the app, whose image is scratch (no shell): a debug container in its namespaces
    // opens instead, sees its processes and files, and `exit` comes back to the dashboard.
    // Esc goes alone and is waited on: Esc followed at once by a key reads as Alt+key.
    tmux.keys(&["1"]);
    tmux.wait_for("services filtered to postgres", long, |screen| {
        row(screen, "postgres").is_some() && row(screen, "nginx").is_none()
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", long, |screen| {
        row(screen, "nginx").is_some()
    });
    tmux.keys(&["/"]);
    tmux.text("app");
    tmux.keys(&["Enter"]);
    tmux.wait_for("only the app listed", long, |screen| {
        row(screen, "app").is_some() && row(screen, "nginx").is_none()
    });
    tmux.keys(&["s"]);
    tmux.wait_for("the debug shell's banner", long, |screen| {
        screen.contains("debug shell for") && screen.contains("exit leaves.")
    });
    tmux.text("ls /proc/1/root/app; cat /proc/1/comm");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the app's files and process", long, |screen| {
        screen.contains("spin.toml") && screen.contains("edge-host")
    });
    tmux.text("exit");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the dashboard again", long, |screen| {
        screen.contains("debug shell (") && row(screen, "app").is_some()
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("all services again", long, |screen| {
        row(screen, "nginx").is_some()
    });

    // Switching to a profile that is down (nothing runs under this prefix) empties the view.
    tmux.keys(&[":"]);
    tmux.text("profile dev");
    tmux.keys(&["Enter", "1"]);
    tmux.wait_for("dev profile", long, |screen| {
        screen.contains(&format!("profile dev ({})", session.project("dev")))
            && screen.contains("0 containers")
            && row(screen, "nginx").is_none()
    });

    // `q` quits with status 0 and leaves the terminal as it found it.
    assert_eq!(
        tmux.pane_flag("alternate_on"),
        "1",
        "the UI uses the alternate screen"
    );
    tmux.keys(&["q"]);
    session.wait_exit(&tmux);
    assert_eq!(tmux.pane_flag("alternate_on"), "0", "alternate screen left");
    assert_eq!(tmux.pane_flag("cursor_flag"), "1", "cursor shown again");
    assert_eq!(tmux.pane_flag("mouse_any_flag"), "0", "mouse reporting off");
    let stty = session.written("stty").unwrap_or_default();
    let words: Vec<&str> = stty.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "cooked mode back: {stty}"
    );
    drop(tmux);
    drop(stack);
}

#[test]
fn a_broken_config_is_reported_in_the_footer_and_the_dashboard_still_runs() {
    // Nothing runs under this prefix: the dashboard opens on the empty local profile.
    let session = Session::new("config");
    let broken =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/bad_colour.toml");
    let port = test_support::free_port();
    let tmux = Tmux::start(
        "config",
        &session.launcher(port, Some(&broken)),
        WIDTH,
        HEIGHT,
    );
    tmux.wait_for("the config warning", Duration::from_secs(20), |screen| {
        screen.contains("ignored, using defaults") && screen.contains("blood-orange")
    });
    // Defaults are in force: `q` (not overridden) quits.
    tmux.keys(&["q"]);
    session.wait_exit(&tmux);
}
