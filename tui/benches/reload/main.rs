//! Hot-reload benchmark. Under a steady load through nginx on 127.0.0.1, N reloads of each kind:
//! failed requests, and time from save to the new behaviour being served. Baseline in the same
//! run: `docker compose up -d --build app`. Run with `tui/bench/reload [N]` (default 10).
//!
//! nginx's per-client rate limit (20 r/s) would answer most of the load with 429, so the scratch
//! copy this runs on raises it; everything else is the project as it is.

#[path = "../../tests/reload_support/mod.rs"]
mod reload_support;

#[path = "../common/interrupt.rs"]
mod interrupt;
mod load;
mod report;

use load::Load;
use reload_support::scratch::{remove_leftovers_of_this_process, scratch_target_dir};
use reload_support::{Scratch, Watch};
use report::Phase;
use std::process::Command;
use std::time::{Duration, Instant};

const RATE: u32 = 250;
const BUILD: Duration = Duration::from_secs(900);
const SERVED_WITHIN: Duration = Duration::from_secs(60);
const HEADERS: &str = "proxy-config/snippets/security-headers.conf";
const ROOT_HANDLER: &str = "edge-app/src/app/root.rs";
/// Spacing of proxy saves: stays under the loop guard's ten reloads of one path a minute.
const PROXY_SPACING: Duration = Duration::from_millis(6500);

fn main() {
    // Ctrl-C or SIGTERM would end the process before the scratch stacks' drops run.
    interrupt::install("reload bench");
    let _scratches = interrupt::on_interrupt(remove_leftovers_of_this_process);
    let count = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse::<usize>().ok())
        .unwrap_or(10);
    // `local` or `dev` as an argument runs only that profile's phases.
    let only = std::env::args().find(|arg| arg == "local" || arg == "dev");
    println!("reload benchmark: {count} reloads per kind at {RATE} req/s through nginx");
    let mut phases = Vec::new();
    if only.as_deref() != Some("dev") {
        phases.extend(local(count));
    }
    if only.as_deref() != Some("local") {
        phases.extend(dev(count));
    }
    println!("\n{}", report::header());
    for phase in &phases {
        println!("{}", phase.line());
    }
}

fn scratch_for_load(profile: &'static str) -> Scratch {
    let scratch = Scratch::copy(profile);
    // STACK_RATE_LIMIT is read by compose from the env files (env/README.md).
    scratch.edit("env/common.env", |text| {
        format!("{text}\nSTACK_RATE_LIMIT=100000\n")
    });
    scratch.start();
    scratch
}

fn set_version(scratch: &Scratch, version: &str) {
    scratch.edit(ROOT_HANDLER, |text| {
        // The initialiser's field, which comes after the struct's declaration of it.
        let start = text
            .rfind("version: ")
            .expect("root.rs sets a version field");
        let end = start + text[start..].find('\n').expect("line end");
        format!("{}version: \"{version}\",{}", &text[..start], &text[end..])
    });
}

fn local(count: usize) -> Vec<Phase> {
    let scratch = scratch_for_load("local");
    let mut watch = Watch::start(&scratch, &[]);
    println!("local: warming the component build");
    set_version(&scratch, "warm-up");
    watch.wait_for("app reload applied", BUILD);
    let load = Load::start(scratch.url("/"), RATE);
    std::thread::sleep(Duration::from_secs(2));

    let before = load.counts();
    let mut latencies = Vec::new();
    for i in 1..=count {
        let saved = Instant::now();
        scratch.edit(HEADERS, |text| {
            let kept: String = text
                .lines()
                .filter(|line| !line.contains("X-Bench"))
                .map(|line| format!("{line}\n"))
                .collect();
            kept + &format!("add_header X-Bench \"p{i}\" always;\n")
        });
        watch.wait_for("proxy reload applied", SERVED_WITHIN);
        let seen = load
            .wait_seen(&format!("h:p{i}"), SERVED_WITHIN)
            .expect("the new header is served");
        latencies.push(seen - saved);
        println!("proxy {i}: served {:?} after save", seen - saved);
        std::thread::sleep(PROXY_SPACING.saturating_sub(saved.elapsed()));
    }
    let mut proxy = Phase::new("proxy (local)", before, load.counts(), latencies);
    proxy.note = "save".into();

    let before = load.counts();
    let (mut after_build, mut after_precompile, mut after_save) =
        (Vec::new(), Vec::new(), Vec::new());
    for i in 1..=count {
        let saved = Instant::now();
        set_version(&scratch, &format!("bench-{i}"));
        let (lines, done) = watch.wait_for_at("✓ build component", BUILD);
        // The build command's last line times its phases: "build 4.81 s, precompile 0.65 s,
        // install 0.01 s: …"; the step ended when the install did.
        let summary = lines.last().map(String::as_str).unwrap_or_default();
        let install = phase_time(summary, "install");
        let compiled = done - install;
        let built = compiled - phase_time(summary, "precompile");
        watch.wait_for("app reload applied", SERVED_WITHIN);
        let seen = load
            .wait_seen(&format!("v:bench-{i}"), SERVED_WITHIN)
            .expect("the new component is served");
        after_build.push(seen.saturating_duration_since(built));
        after_precompile.push(seen.saturating_duration_since(compiled));
        after_save.push(seen - saved);
        println!(
            "app {i}: served {:?} after the build",
            seen.saturating_duration_since(built)
        );
    }
    let after = load.counts();
    let mut swap = Phase::new("app swap (local)", before, after, after_build);
    swap.note = "cargo build finished (incl. precompile)".into();
    let mut swap_ready = Phase::new("app swap (local)", before, after, after_precompile);
    swap_ready.note = "precompile finished".into();
    let mut swap_total = Phase::new("app swap (local)", before, after, after_save);
    swap_total.note = "save (incl. build)".into();
    report_failures(&load);
    println!("local: {:.0} req/s achieved", load.stop());
    print_swap_breakdown(&scratch, &watch);
    vec![proxy, swap_ready, swap, swap_total]
}

fn dev(count: usize) -> Vec<Phase> {
    let scratch = scratch_for_load("dev");
    let mut watch = Watch::start(&scratch, &[]);
    println!("dev: warming the component build");
    set_version(&scratch, "warm-up");
    watch.wait_for("app reload applied", BUILD);
    let load = Load::start(scratch.url("/"), RATE);
    std::thread::sleep(Duration::from_secs(2));

    let before = load.counts();
    let mut latencies = Vec::new();
    for i in 1..=count {
        let saved = Instant::now();
        set_version(&scratch, &format!("roll-{i}"));
        let (_, applied) = watch.wait_for_at("app reload applied", BUILD);
        latencies.push(applied - saved);
        println!(
            "rolling {i}: both replicas replaced {:?} after save",
            applied - saved
        );
    }
    let mut rolling = Phase::new("rolling replace (dev)", before, load.counts(), latencies);
    rolling.note = "save → all replicas new".into();
    report_failures(&load);
    drop(watch);

    let before = load.counts();
    let mut latencies = Vec::new();
    for i in 1..=count {
        set_version(&scratch, &format!("base-{i}"));
        build_and_stage(&scratch);
        let started = Instant::now();
        scratch.compose_ok(&["up", "--detach", "--build", "app"]);
        let seen = load
            .wait_seen(&format!("v:base-{i}"), SERVED_WITHIN)
            .expect("the rebuilt app is served");
        latencies.push(seen - started);
        println!(
            "baseline {i}: served {:?} after `up -d --build app` started",
            seen - started
        );
        // Let both replicas turn healthy before the next round.
        std::thread::sleep(Duration::from_secs(8));
    }
    let mut baseline = Phase::new(
        "baseline `docker compose up -d --build app` (dev)",
        before,
        load.counts(),
        latencies,
    );
    baseline.note = "command start (component prebuilt)".into();
    report_failures(&load);
    println!("dev: {:.0} req/s achieved", load.stop());
    vec![rolling, baseline]
}

/// What a developer does before `up --build`: build the component and stage it for the image.
fn build_and_stage(scratch: &Scratch) {
    let status = Command::new("cargo")
        .args(["xtask", "build-app", "--stage"])
        .current_dir(&scratch.root)
        .env("CARGO_TARGET_DIR", scratch_target_dir())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run cargo xtask");
    assert!(status.success(), "the component builds and is staged");
}

/// How long the build command's `phase` took, from its summary line ("build 4.81 s, …").
fn phase_time(summary: &str, phase: &str) -> Duration {
    let seconds = summary
        .split([',', ':'])
        .find_map(|part| part.trim().strip_prefix(phase)?.trim().strip_suffix(" s"))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no {phase} time in the build summary: {summary}"));
    Duration::from_secs_f64(seconds)
}

/// Where the time after the build goes: the build command's phases (watch timeline), edge-host's
/// watch debounce, and its load of the new component (edge-host's own log lines).
fn print_swap_breakdown(scratch: &Scratch, watch: &Watch) {
    let phases: Vec<&str> = watch
        .seen
        .iter()
        .filter(|line| line.contains("✓ build component"))
        .filter_map(|line| line.split_once(" — ").map(|(_, said)| said))
        .collect();
    println!("build command phases: {phases:?}");
    let logs = scratch.compose_ok(&["logs", "--no-color", "--no-log-prefix", "app"]);
    for message in ["component ready", "component swapped in"] {
        let ms: Vec<u64> = logs
            .lines()
            .filter(|line| line.contains(message))
            .filter_map(|line| {
                let value = line
                    .split_whitespace()
                    .find_map(|f| f.strip_prefix("ms="))?;
                value.trim_matches('"').parse().ok()
            })
            .collect();
        println!("edge-host {message:?} ms (after its 50 ms watch debounce): {ms:?}");
    }
}

fn report_failures(load: &Load) {
    let samples = load.failure_samples();
    if !samples.is_empty() {
        println!(
            "failed requests so far (first {}): {samples:?}",
            samples.len()
        );
    }
}
