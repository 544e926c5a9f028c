//! Stack benchmarks: time from `up` to all containers healthy per profile, image sizes, and the
//! memory each service uses at idle, printed as Markdown for BENCHMARKS.md (progress and compose
//! output go to stderr). Run with `compose/bench-stack [--cold] [--idle SECONDS] [PROFILE...]`.
//!
//! Each run is its own compose project (`stack-bench-<profile>`, or BENCH_PROJECT_PREFIX in place
//! of `stack-bench-`) on free loopback ports, taken down with its volumes afterwards, also when
//! interrupted.

#[path = "../common/docker.rs"]
mod docker;
#[path = "../common/interrupt.rs"]
mod interrupt;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use test_support::stack::{Profile, compose_command, prepare};
use test_support::{free_port, repo_root};

use docker::{compose_down, docker};
use interrupt::{OnInterrupt, on_interrupt};

const USAGE: &str =
    "usage: compose/bench-stack [--cold] [--idle SECONDS] [PROFILE...] (profiles: local dev prod)";

struct Args {
    cold: bool,
    /// As given, for the report; parsed for the wait.
    idle: String,
    idle_wait: Duration,
    profiles: Vec<Profile>,
}

fn fail(message: &str) -> ! {
    eprintln!("bench-stack: {message}");
    std::process::exit(1);
}

fn parse_args() -> Args {
    let mut args = Args {
        cold: false,
        idle: "10".into(),
        idle_wait: Duration::from_secs(10),
        profiles: Vec::new(),
    };
    // cargo bench adds `--bench`.
    let mut given = std::env::args().skip(1).filter(|arg| arg != "--bench");
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--cold" => args.cold = true,
            "--idle" => {
                let seconds = given.next().unwrap_or_default();
                let wait = seconds
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .unwrap_or_else(|| fail("--idle needs a number of seconds"));
                args.idle = seconds;
                args.idle_wait = wait;
            }
            "local" => args.profiles.push(Profile::Local),
            "dev" => args.profiles.push(Profile::Dev),
            "prod" => args.profiles.push(Profile::Prod),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => fail(&format!(
                "unknown argument '{arg}' (profiles: local dev prod)"
            )),
        }
    }
    if args.profiles.is_empty() {
        args.profiles = vec![Profile::Local, Profile::Dev, Profile::Prod];
    }
    args
}

/// One profile's compose project on free loopback ports; taken down with its volumes (and the
/// images built for it under throwaway names) when dropped.
struct Project {
    profile: Profile,
    name: String,
    http_port: u16,
    https_port: u16,
    /// Image variables (APP_IMAGE, ...) pointing at throwaway names.
    images: Vec<(&'static str, String)>,
    _interrupt: OnInterrupt,
}

impl Project {
    fn new(profile: Profile, name: String, images: Vec<(&'static str, String)>) -> Self {
        let (project, built) = (name.clone(), image_names(&images));
        let interrupt = on_interrupt(move || {
            compose_down(&project);
            remove_images(&built);
        });
        Self {
            profile,
            name,
            http_port: free_port(),
            https_port: free_port(),
            images,
            _interrupt: interrupt,
        }
    }

    fn compose(&self, args: &[&str]) -> Output {
        compose_command(
            self.profile,
            &self.name,
            self.http_port,
            Some(self.https_port),
        )
        .envs(self.images.iter().map(|(key, value)| (*key, value)))
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("cannot run docker compose {args:?}: {err}"))
    }

    /// Like `compose`, panicking with compose's stderr when it fails.
    fn compose_ok(&self, args: &[&str]) {
        let output = self.compose(args);
        assert!(
            output.status.success(),
            "bench-stack: docker compose {args:?} ({}) failed:\n{}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Brings the profile up and returns the seconds until every container is healthy.
    fn timed_up(&self) -> String {
        let start = Instant::now();
        let up = self.compose(&["up", "-d", "--wait", "--quiet-pull"]);
        if !up.status.success() {
            let ps = self.compose(&["ps"]);
            eprint!(
                "{}{}",
                String::from_utf8_lossy(&up.stderr),
                String::from_utf8_lossy(&ps.stdout)
            );
            panic!("bench-stack: {} did not become healthy", self.name);
        }
        format!("{:.1}", start.elapsed().as_secs_f64())
    }

    fn down(&self) {
        self.compose_ok(&["down", "--volumes", "--timeout", "5"]);
    }

    fn container_ids(&self) -> Vec<String> {
        let label = format!("label=com.docker.compose.project={}", self.name);
        docker(&["ps", "-q", "--filter", &label])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// After the idle wait: (container without the project prefix, memory in use), sorted.
    fn idle_memory(&self, wait: Duration) -> Vec<(String, String)> {
        std::thread::sleep(wait);
        let ids = self.container_ids();
        if ids.is_empty() {
            return Vec::new();
        }
        let mut args = vec![
            "stats",
            "--no-stream",
            "--format",
            "{{.Name}}\t{{.MemUsage}}",
        ];
        args.extend(ids.iter().map(String::as_str));
        let prefix = format!("{}-", self.name);
        let mut rows: Vec<(String, String)> = docker(&args)
            .lines()
            .filter_map(|line| {
                let (name, usage) = line.split_once('\t')?;
                let name = name.strip_prefix(&prefix).unwrap_or(name);
                let used = usage.split(" / ").next().unwrap_or(usage);
                Some((name.to_owned(), used.to_owned()))
            })
            .collect();
        rows.sort();
        rows
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "--volumes", "--remove-orphans", "--timeout", "5"]);
        remove_images(&image_names(&self.images));
    }
}

fn image_names(images: &[(&'static str, String)]) -> Vec<String> {
    images.iter().map(|(_, image)| image.clone()).collect()
}

fn remove_images(images: &[String]) {
    if !images.is_empty() {
        let _ = Command::new("docker")
            .args(["image", "rm"])
            .args(images)
            .output();
    }
}

/// KEY=value lines of an env file (quotes around a value removed).
fn env_file(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| {
            (
                key.trim().to_owned(),
                value.trim().trim_matches('"').to_owned(),
            )
        })
        .collect()
}

fn main() {
    let args = parse_args();
    interrupt::install("bench-stack");
    let root = repo_root();
    let prefix = std::env::var("BENCH_PROJECT_PREFIX")
        .ok()
        .filter(|prefix| !prefix.is_empty())
        .unwrap_or_else(|| "stack-bench-".into());
    // Its step lines go to stderr, not into the Markdown.
    prepare();
    let source = env_file(&root.join("env/images.env"))
        .get("STACK_IMAGE_SOURCE")
        .cloned()
        .unwrap_or_default();

    println!("## Stack");
    println!();
    let command_line = if args.cold {
        "compose/bench-stack --cold"
    } else {
        "compose/bench-stack"
    };
    println!(
        "Measured with `{command_line}` on {}, {} cores,",
        chrono::Utc::now().format("%Y-%m-%d"),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "Docker {}, Compose {},",
        docker(&["version", "--format", "{{.Server.Version}}"]),
        docker(&["compose", "version", "--short"])
    );
    println!("images: {source}. Idle memory after {} s.", args.idle);
    println!();

    // Kept until the end: its throwaway images are removed last.
    let _cold = args.cold.then(|| cold(&prefix, args.profiles[0]));

    println!("| profile | containers | up → all healthy (warm images, fresh volumes) |");
    println!("|---|---|---|");
    let mut memory = Vec::new();
    for &profile in &args.profiles {
        let project = Project::new(profile, format!("{prefix}{}", profile.name()), Vec::new());
        project.compose_ok(&["build", "--quiet"]);
        let seconds = project.timed_up();
        let count = project.container_ids().len();
        println!("| {} | {count} | {seconds} s |", profile.name());
        for (container, used) in project.idle_memory(args.idle_wait) {
            memory.push((profile.name(), container, used));
        }
        project.down();
    }
    println!();

    println!("| profile | container | memory at idle |");
    println!("|---|---|---|");
    for (profile, container, used) in &memory {
        println!("| {profile} | {container} | {used} |");
    }
    println!();

    println!("| image | size |");
    println!("|---|---|");
    let common = env_file(&root.join("env/common.env"));
    let named = |key: &str| common.get(key).cloned().unwrap_or_default();
    // The app image: APP_IMAGE when set, else compose's default name for each profile measured.
    let mut images: Vec<String> = match std::env::var("APP_IMAGE") {
        Ok(image) if !image.is_empty() => vec![image],
        _ => args
            .profiles
            .iter()
            .map(|profile| format!("stack-tui/app:{}", profile.name()))
            .collect(),
    };
    let others: &[&str] = if source == "standin" {
        &[
            "NGINX_STANDIN_IMAGE",
            "REDIS_STANDIN_IMAGE",
            "POSTGRES_STANDIN_IMAGE",
            "STACK_BASE_IMAGE",
        ]
    } else {
        &["NGINX_IMAGE", "REDIS_IMAGE", "POSTGRES_IMAGE"]
    };
    images.extend(others.iter().map(|key| named(key)));
    for image in images {
        println!("| `{image}` | {} |", image_size(&image));
    }
}

/// Builds the stand-ins and the app image from scratch under throwaway names, then brings the
/// first profile up: measured once, since all profiles share images.
fn cold(prefix: &str, profile: Profile) -> Project {
    let tag = format!("cold-{}", std::process::id());
    let images = vec![
        ("APP_IMAGE", format!("stack-bench/app:{tag}")),
        (
            "NGINX_STANDIN_IMAGE",
            format!("stack-bench/standin-nginx:{tag}"),
        ),
        (
            "REDIS_STANDIN_IMAGE",
            format!("stack-bench/standin-redis:{tag}"),
        ),
        (
            "POSTGRES_STANDIN_IMAGE",
            format!("stack-bench/standin-postgres:{tag}"),
        ),
    ];
    let project = Project::new(profile, format!("{prefix}cold-{}", profile.name()), images);
    let start = Instant::now();
    project.compose_ok(&["build", "--no-cache", "--quiet"]);
    let build = format!("{:.1}", start.elapsed().as_secs_f64());
    let up = project.timed_up();
    println!(
        "| cold ({}) | build from scratch {build} s, then up to all healthy {up} s |",
        profile.name()
    );
    println!("|---|---|");
    println!();
    project.down();
    project
}

fn image_size(image: &str) -> String {
    let inspected = Command::new("docker")
        .args(["image", "inspect", "-f", "{{.Size}}", image])
        .output();
    inspected
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| {
            String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or_else(
            || "not built".into(),
            |bytes| format!("{:.1} MB", bytes / 1e6),
        )
}
