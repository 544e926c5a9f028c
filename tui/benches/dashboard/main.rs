//! Dashboard benchmarks: the release `stack-tui` in a private tmux server (160×48).
//!
//! 1. idle: the repository's local stack (built by compose/prepare) under its own project name on
//!    a free 127.0.0.1 port; CPU (% of one core, utime+stime from /proc/PID/stat) and RSS over
//!    IDLE_SECONDS, all healthy, once per panel of IDLE_PANELS (panel keys, default `1 9`:
//!    Services, then Metrics with its scrapes and charts), so each panel's cost is compared with
//!    Services' in the same run;
//! 2. kill → drawn: `docker kill` of that stack's redis until the pane shows it exited (captured
//!    every ~10 ms), KILL_RUNS runs, median; also from the engine's own FinishedAt;
//! 3. log flood, on a throwaway copy of tui/tests/fixtures/e2e plus a `flood` service printing
//!    lines as fast as it can for FLOOD_SECONDS: first the engine's follow ceiling (`docker logs -f`
//!    into a line count, no dashboard running), then the dashboard's Logs panel on a fresh flood
//!    container: lines ingested per second from the panel's own counter, CPU, RSS, and how long a
//!    key takes to be drawn.
//!
//! Run with `tui/bench/dashboard` (env: IDLE_SECONDS=60 IDLE_PANELS="1 9" FLOOD_SECONDS=30 KILL_RUNS=5,
//! STACK_TUI_BIN=path to skip the release build, SKIP_PREPARE=1 when compose/prepare has run;
//! IDLE_SECONDS=0 KILL_RUNS=0 runs the flood alone).
//! Progress goes to stderr, figures to stdout.

#[path = "../common/docker.rs"]
mod docker;
#[path = "../common/interrupt.rs"]
mod interrupt;

mod flood;
mod process;
mod screen;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use test_support::repo_root;
use test_support::stack::{Profile, Stack, prepare};
use test_support::tmux::Tmux;

use docker::{compose_down, docker};
use flood::{Flood, LineCount};
use interrupt::{OnInterrupt, on_interrupt};
use process::{cpu_ticks, hwm_kib, rss_kib, ticks_per_second};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;
/// Pane captures while a latency is measured.
const FINE: Duration = Duration::from_millis(10);
const LONG: Duration = Duration::from_secs(30);

struct Settings {
    idle_seconds: u64,
    /// Panel keys the idle window is measured on, one window each.
    idle_panels: Vec<String>,
    flood_seconds: u64,
    kill_runs: u64,
    skip_prepare: bool,
}

/// A variable that is set and not empty.
fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn env_number(name: &str, default: u64) -> u64 {
    env_value(name).map_or(default, |value| {
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a whole number"))
    })
}

fn say(line: &str) {
    eprintln!("{line}");
}

fn main() {
    interrupt::install("dashboard bench");
    let settings = Settings {
        idle_seconds: env_number("IDLE_SECONDS", 60),
        idle_panels: env_value("IDLE_PANELS")
            .unwrap_or_else(|| "1 9".into())
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        flood_seconds: env_number("FLOOD_SECONDS", 30),
        kill_runs: env_number("KILL_RUNS", 5),
        skip_prepare: env_value("SKIP_PREPARE").is_some(),
    };
    require_tools();
    let bin = release_binary();
    let work = tempfile::Builder::new()
        .prefix("stack-tui-bench.")
        .tempdir()
        .expect("create a work directory");
    let work_path = work.path().to_path_buf();
    let _remove_work = on_interrupt(move || {
        let _ = std::fs::remove_dir_all(&work_path);
    });
    let prefix = format!("stbench{}", std::process::id());
    let ticks = ticks_per_second();

    say(&format!(
        "==> machine: {} cores, load {}, {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average(),
        version(&bin)
    ));
    if !settings.skip_prepare {
        say("==> compose/prepare (secrets, certificate, app artifacts, images)");
        prepare();
    }
    if settings.idle_seconds > 0 || settings.kill_runs > 0 {
        idle_and_kill(&settings, &bin, work.path(), &prefix, ticks);
    }
    log_flood(&settings, &bin, work.path(), &prefix, ticks);
}

fn require_tools() {
    for (tool, args) in [("docker", ["--version"]), ("tmux", ["-V"])] {
        let ran = Command::new(tool).args(args).output();
        assert!(
            ran.is_ok_and(|output| output.status.success()),
            "dashboard bench: {tool} missing (run .ci/setup-host)"
        );
    }
    let compose = Command::new("docker").args(["compose", "version"]).output();
    assert!(
        compose.is_ok_and(|output| output.status.success()),
        "dashboard bench: Docker Compose v2 missing (run .ci/setup-host)"
    );
}

/// STACK_TUI_BIN, or the release build (`cargo build -p stack-tui --release`).
fn release_binary() -> PathBuf {
    let bin = match env_value("STACK_TUI_BIN") {
        Some(path) => PathBuf::from(path),
        None => {
            say("==> cargo build -p stack-tui --release");
            let built = Command::new("cargo")
                .args(["build", "-q", "-p", "stack-tui", "--release"])
                .current_dir(repo_root())
                .status()
                .expect("run cargo");
            assert!(built.success(), "dashboard bench: the release build failed");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .filter(|dir| !dir.is_empty())
                .map_or_else(|| repo_root().join("target"), |dir| repo_root().join(dir));
            target.join("release/stack-tui")
        }
    };
    let executable = std::fs::metadata(&bin)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0);
    assert!(
        executable,
        "dashboard bench: no binary at {}",
        bin.display()
    );
    bin
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn version(bin: &Path) -> String {
    Command::new(bin)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_else(|| "stack-tui".into())
}

/// The dashboard in its own tmux server; the server is killed when this is dropped.
struct Dashboard {
    tmux: Tmux,
    pid: u32,
    _interrupt: OnInterrupt,
}

impl Dashboard {
    fn open(
        work: &Path,
        bin: &Path,
        root: &Path,
        prefix: &str,
        profile: &str,
        http_port: u16,
    ) -> Self {
        let dir = work.display();
        // exec: the pane's process is the dashboard itself, whose /proc entries are read.
        let script = format!(
            "#!/bin/sh\n\
             export XDG_STATE_HOME='{dir}/state' XDG_CONFIG_HOME='{dir}/config'\n\
             export STACK_BIND_ADDR=127.0.0.1 STACK_HTTP_PORT={http_port}\n\
             exec '{bin}' --root '{root}' --project-prefix '{prefix}' --profile {profile}\n",
            bin = bin.display(),
            root = root.display(),
        );
        let launcher = work.join(format!("launch-{profile}.sh"));
        std::fs::write(&launcher, script).expect("write the launcher");
        let tmux = Tmux::start(&format!("bench-{profile}"), &launcher, WIDTH, HEIGHT);
        let socket = tmux.pane_flag("socket_path");
        let interrupt = on_interrupt(move || {
            let _ = Command::new("tmux")
                .args(["-S", &socket, "kill-server"])
                .output();
            let _ = std::fs::remove_file(&socket);
        });
        let pid = tmux
            .pane_flag("pane_pid")
            .parse()
            .expect("tmux names the pane's pid");
        Self {
            tmux,
            pid,
            _interrupt: interrupt,
        }
    }
}

fn idle_and_kill(settings: &Settings, bin: &Path, work: &Path, prefix: &str, ticks: u64) {
    let project = format!("{prefix}-local");
    let name = project.clone();
    let _down = on_interrupt(move || compose_down(&name));
    say(&format!("==> local stack up ({project})"));
    let (stack, took) = Stack::start_prepared(Profile::Local, project);
    say(&format!(
        "    all healthy {:.1} s after up, nginx on 127.0.0.1:{}",
        took.as_secs_f64(),
        stack.http_port
    ));
    let dashboard = Dashboard::open(work, bin, &repo_root(), prefix, "local", stack.http_port);
    let tmux = &dashboard.tmux;
    tmux.wait_for("four healthy services", LONG, screen::all_healthy);
    // Startup work (initial inspects, log tails) finishes before the idle window.
    std::thread::sleep(Duration::from_secs(5));

    let pid = dashboard.pid;
    for panel in settings
        .idle_panels
        .iter()
        .filter(|_| settings.idle_seconds > 0)
    {
        tmux.keys(&[panel.as_str()]);
        // The panel's own startup (a first scrape, a full redraw) settles before the window.
        std::thread::sleep(Duration::from_secs(6));
        say(&format!(
            "==> idle for {}s on panel {panel}",
            settings.idle_seconds
        ));
        let mut rss_max = 0;
        let start_ticks = cpu_ticks(pid);
        let start = Instant::now();
        for second in 1..=settings.idle_seconds {
            sleep_until(start + Duration::from_secs(second));
            rss_max = rss_max.max(rss_kib(pid));
        }
        let idle_ticks = cpu_ticks(pid) - start_ticks;
        let idle = start.elapsed();
        println!(
            "idle CPU, panel {panel}:     {:.2} % of one core over {} s ({idle_ticks} ticks at {ticks} Hz)",
            cpu_percent(idle_ticks, ticks, idle),
            idle.as_secs()
        );
        println!(
            "idle RSS, panel {panel}:     max {} MiB ({rss_max} KiB), high-water {} MiB",
            rss_max / 1024,
            hwm_kib(pid) / 1024
        );
    }
    // The kill runs watch the Services table.
    tmux.keys(&["1"]);

    say(&format!(
        "==> docker kill → drawn, {} runs",
        settings.kill_runs
    ));
    let redis = format!("{}-redis-1", stack.project);
    let (mut from_command, mut from_engine) = (Vec::new(), Vec::new());
    for run in 1..=settings.kill_runs {
        if run > 1 {
            docker(&["start", &redis]);
            tmux.wait_for("redis healthy again", LONG, |screen| {
                screen::healthy(screen, "redis")
            });
            // The dashboard settles (stats stream back) before the next kill.
            std::thread::sleep(Duration::from_secs(1));
        }
        let started = Instant::now();
        let mut kill = Command::new("docker")
            .args(["kill", &redis])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn docker kill");
        tmux.wait_for_every("redis shown exited", LONG, FINE, screen::shown_exited);
        let drawn = started.elapsed();
        let drawn_at = Utc::now();
        let killed = kill.wait().expect("wait for docker kill");
        assert!(killed.success(), "docker kill {redis} failed");
        let finished = docker(&["inspect", "-f", "{{.State.FinishedAt}}", &redis]);
        let finished = DateTime::parse_from_rfc3339(finished.trim())
            .unwrap_or_else(|err| panic!("FinishedAt {finished:?}: {err}"));
        from_command.push(i64::try_from(drawn.as_millis()).expect("milliseconds fit in i64"));
        from_engine.push((drawn_at - finished.with_timezone(&Utc)).num_milliseconds());
    }
    println!(
        "kill → drawn:          median {} ms from running `docker kill` (runs: {} ms)",
        median(&from_command),
        joined(&from_command)
    );
    println!(
        "                       median {} ms from the engine's FinishedAt (runs: {} ms)",
        median(&from_engine),
        joined(&from_engine)
    );
}

fn log_flood(settings: &Settings, bin: &Path, work: &Path, prefix: &str, ticks: u64) {
    let seconds = settings.flood_seconds;
    let flood = Flood::create(
        &work.join("root"),
        format!("{prefix}-flood"),
        settings.flood_seconds,
    );
    let container = flood.container();

    say(&format!(
        "==> log flood ceiling: `docker logs -f` for {seconds}s ({})",
        flood.project
    ));
    flood.compose_ok(
        "compose up (flood)",
        &["up", "-d", "--wait", "--wait-timeout", "120"],
    );
    let mut follow = Command::new("timeout");
    follow
        .arg(seconds.to_string())
        .args(["docker", "logs", "-f", "--timestamps", &container]);
    let reader = LineCount::start(follow, true);
    // The follow stream attaches before the producer starts (both inside the reader's window).
    std::thread::sleep(Duration::from_millis(500));
    flood.trigger();
    let ceiling = reader.finish();
    let ceiling_produced = flood.produced();
    flood.compose_ok(
        "recreating the flood container",
        &["up", "-d", "--force-recreate", "--no-deps", "flood"],
    );

    say(&format!(
        "==> log flood for {seconds}s into the dashboard ({})",
        flood.project
    ));
    let port = test_support::free_port();
    let dashboard = Dashboard::open(work, bin, &work.join("root"), prefix, "flood", port);
    let (tmux, pid) = (&dashboard.tmux, dashboard.pid);
    tmux.wait_for("four healthy services", LONG, screen::all_healthy);
    tmux.keys(&["3"]);
    tmux.wait_for("the logs panel", Duration::from_secs(10), |screen| {
        screen.contains(" dropped ")
    });
    // The panel's initial tail is taken in before the count starts.
    std::thread::sleep(Duration::from_secs(3));
    let rss_before = rss_kib(pid);
    let before = ingested(tmux);
    let start_ticks = cpu_ticks(pid);
    flood.trigger();
    let start = Instant::now();
    let mut rss_max = 0;
    let mut key_ms = "-".to_owned();
    for second in 1..=seconds {
        if second == seconds / 2 {
            // Does the UI still answer? Time from a key to its panel being drawn, and back.
            let pressed = Instant::now();
            tmux.keys(&["4"]);
            tmux.wait_for_every("topology mid-flood", LONG, FINE, |screen| {
                screen.contains("Topology ·")
            });
            let to_topology = pressed.elapsed();
            let pressed = Instant::now();
            tmux.keys(&["3"]);
            tmux.wait_for_every("logs mid-flood", LONG, FINE, |screen| {
                screen.contains("Logs ·")
            });
            let to_logs = pressed.elapsed();
            key_ms = format!(
                "{} ms to Topology, {} ms back to Logs",
                to_topology.as_millis(),
                to_logs.as_millis()
            );
        }
        sleep_until(start + Duration::from_secs(second));
        rss_max = rss_max.max(rss_kib(pid));
    }
    let at_end = ingested(tmux);
    let flood_ticks = cpu_ticks(pid) - start_ticks;
    let flooded = start.elapsed();

    // Lines still arriving after the producer stopped: the backlog the engine had not delivered.
    let settle = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    let mut total = at_end;
    let drain_start = Instant::now();
    let mut drain_end = drain_start;
    for _ in 0..60 {
        if last == Some(total) || Instant::now() >= settle {
            break;
        }
        last = Some(total);
        std::thread::sleep(Duration::from_secs(1));
        total = ingested(tmux);
        if last != Some(total) {
            drain_end = Instant::now();
        }
    }
    let produced = flood.produced();
    let mut read = Command::new("timeout");
    read.args(["10", "docker", "logs", &container]);
    let docker_read = LineCount::start(read, false).finish();

    let secs = flooded.as_secs_f64();
    let during = at_end.saturating_sub(before);
    println!(
        "flood produced:        {} lines in {seconds} s ({:.0} lines/s written by the container)",
        shown(produced),
        rate(produced.unwrap_or(0), seconds as f64)
    );
    println!(
        "flood ingested:        {during} lines during the flood = {:.0} lines/s; {} in all after the backlog drained",
        rate(during, secs),
        total.saturating_sub(before)
    );
    let drained = total.saturating_sub(at_end);
    let drain_ms = (drain_end - drain_start).as_millis();
    println!(
        "backlog drain:         {drained} lines in {drain_ms} ms after the producer stopped ({:.0} lines/s, engine only reading)",
        rate(drained, drain_ms as f64 / 1000.0)
    );
    println!(
        "flood dashboard CPU:   {:.0} % of one core",
        cpu_percent(flood_ticks, ticks, flooded)
    );
    println!(
        "flood RSS:             {} MiB before, max {} MiB during, {} MiB after (high-water {} MiB)",
        rss_before / 1024,
        rss_max / 1024,
        rss_kib(pid) / 1024,
        hwm_kib(pid) / 1024
    );
    println!("flood key → drawn:     {key_ms}");
    println!(
        "engine read ceiling:   `docker logs` (no follow) of the same container read {docker_read} lines in 10 s ({} lines/s)",
        docker_read / 10
    );
    println!(
        "engine follow ceiling: `docker logs -f` alone read {ceiling} lines in {seconds} s = {} lines/s while the producer wrote {} ({:.0} lines/s)",
        ceiling / seconds.max(1),
        shown(ceiling_produced),
        rate(ceiling_produced.unwrap_or(0), seconds as f64)
    );
    let ceiling_rate = rate(ceiling, seconds as f64);
    println!(
        "dashboard / ceiling:   {:.0} % (lines/s ingested during the flood over `docker logs -f` alone)",
        if ceiling_rate > 0.0 {
            100.0 * rate(during, secs) / ceiling_rate
        } else {
            0.0
        }
    );
}

fn ingested(tmux: &Tmux) -> u64 {
    let screen = tmux.screen();
    screen::ingested(&screen)
        .unwrap_or_else(|| panic!("no \"N lines · M dropped\" counter on screen:\n{screen}"))
}

fn sleep_until(deadline: Instant) {
    std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
}

fn cpu_percent(used_ticks: u64, ticks_per_second: u64, over: Duration) -> f64 {
    100.0 * used_ticks as f64 / ticks_per_second as f64 / over.as_secs_f64()
}

/// Per second; 0 for an empty window.
fn rate(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

fn shown(count: Option<u64>) -> String {
    count.map_or_else(|| "?".into(), |n| n.to_string())
}

fn joined(values: &[i64]) -> String {
    values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The middle value, or the mean of the two middle ones.
fn median(values: &[i64]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => "-".into(),
        n if n % 2 == 1 => sorted[middle].to_string(),
        _ => ((sorted[middle - 1] + sorted[middle]) as f64 / 2.0).to_string(),
    }
}
