//! Hot reload of the app in the dev profile: the component is rebuilt into the app image and the
//! two replicas are replaced one at a time, each new one healthy before an old one goes, while a
//! client keeps calling through nginx without a single failed request. A change of the app's
//! environment alone is rolled out the same way, and a build that fails its API is rolled back.

use crate::reload_support::{Scratch, Watch};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use test_support::docker_cli::docker;
use test_support::http::Http;

/// Requests per second of the background client: below nginx's per-client limit (20 r/s).
const CLIENT_INTERVAL: Duration = Duration::from_millis(100);
/// nginx re-resolves `app` at most every 2 s (`resolver … valid=2s`): a replica started just
/// after a resolution is reached up to that much later.
const NGINX_RESOLVE_INTERVAL: Duration = Duration::from_secs(2);

struct Outcome {
    ok: usize,
    failures: Vec<String>,
    /// (instance, version) pairs seen in the answers.
    seen: BTreeSet<(String, String)>,
}

#[test]
fn dev_profile_replaces_replicas_one_at_a_time_without_failed_requests() {
    let scratch = Scratch::up("dev");
    let app_before: BTreeSet<String> = app_names(&scratch);
    assert_eq!(app_before.len(), 2, "dev runs two app replicas");
    let mut watch = Watch::start(&scratch, &[]);
    let mut logs = FollowedLogs::start(&scratch);
    let client = Client::start(scratch.url("/"));

    scratch.edit("edge-app/src/app/root.rs", |text| {
        text.replace(
            "version: env!(\"CARGO_PKG_VERSION\"),",
            "version: \"rolled-out\",",
        )
    });
    let lines = watch.wait_for("app reload applied", Duration::from_secs(900));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("rolling replace") && l.contains("replaced")),
        "the rolling step lists the replaced replicas: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("rolling replace") && l.contains("(copy)")),
        "a rollout of a new build copies a current replica instead of asking compose: {lines:#?}"
    );
    // The copies are what compose itself would run: its own `up` keeps every container.
    let app_ids = || {
        let listed = scratch.compose_ok(&["ps", "--quiet", "app"]);
        listed
            .lines()
            .map(str::to_owned)
            .collect::<BTreeSet<String>>()
    };
    let copies = app_ids();
    scratch.compose_ok(&["up", "--detach", "--no-build"]);
    assert_eq!(app_ids(), copies, "compose recreated a copied replica");
    // Keep calling a little longer: the new replicas alone now serve. The reload's own writes
    // (component, image build context) must not trigger another one.
    let after = watch.lines_during(Duration::from_secs(3));
    assert!(
        !after.iter().any(|line| line.contains("reload:")),
        "the reload triggered another: {after:#?}"
    );
    // Both new replicas serve once nginx has resolved the app again; wait for that, bounded.
    client.wait_for_instances("rolled-out", 2, NGINX_RESOLVE_INTERVAL * 5);
    let outcome = client.finish();

    let app_after = app_names(&scratch);
    assert_eq!(app_after.len(), 2, "still two replicas: {app_after:?}");
    assert!(
        app_after.is_disjoint(&app_before),
        "every replica was replaced: {app_before:?} → {app_after:?}"
    );
    assert!(
        outcome.failures.is_empty(),
        "{} failed of {} requests during the rolling replace: {:?}",
        outcome.failures.len(),
        outcome.ok + outcome.failures.len(),
        outcome.failures
    );
    // `logs -f app`, started before the rollout, goes on with the replicas it created.
    logs.wait_for_line_from(&app_after, Duration::from_secs(15));
    drop(logs);
    let new_instances: BTreeSet<&String> = outcome
        .seen
        .iter()
        .filter(|(_, version)| version == "rolled-out")
        .map(|(instance, _)| instance)
        .collect();
    assert_eq!(
        new_instances.len(),
        2,
        "both new replicas answered through nginx: {:?}",
        outcome.seen
    );

    // Only the app's environment changes: the app is rolled, and compose's own `up -d` afterwards
    // finds nothing left to recreate.
    let client = Client::start(scratch.url("/"));
    let app_before = app_after;
    scratch.edit("env/dev.env", |text| {
        text.replace("APP_LOG=info", "APP_LOG=debug")
    });
    let lines = watch.wait_for("stack reload applied", Duration::from_secs(300));
    let outcome = client.finish();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("app: replaced") && l.contains("then nothing recreated")),
        "the app alone was rolled: {lines:#?}"
    );
    let app_after = app_names(&scratch);
    assert_eq!(app_after.len(), 2, "still two replicas: {app_after:?}");
    assert!(
        app_after.is_disjoint(&app_before),
        "{app_before:?} → {app_after:?}"
    );
    assert!(
        outcome.failures.is_empty(),
        "{} failed of {} requests during the environment roll-out: {:?}",
        outcome.failures.len(),
        outcome.ok + outcome.failures.len(),
        outcome.failures
    );

    rolls_back_a_component_that_compiles_but_fails_its_api(&scratch, &mut watch, app_after);
}

/// A build whose `/health/ready` passes but whose API panics never replaces a replica: the new
/// replica is removed, the image tag names the previous image again, and the old replicas serve
/// every request meanwhile.
fn rolls_back_a_component_that_compiles_but_fails_its_api(
    scratch: &Scratch,
    watch: &mut Watch,
    app_before: BTreeSet<String>,
) {
    let client = Client::start(scratch.url("/"));
    scratch.edit("edge-app/src/app/items.rs", |text| {
        text.replace(
            "    let pattern = query.search.as_deref().map(contains_pattern);",
            "    if query.per_page > 0 {\n        panic!(\"this build fails its API\");\n    }\n    \
             let pattern = query.search.as_deref().map(contains_pattern);",
        )
    });
    let lines = watch.wait_for("app reload failed", Duration::from_secs(900));
    let outcome = client.finish();
    let failure = lines.join("\n");
    assert!(
        failure.contains("fails its API") && failure.contains("rolled back"),
        "the failure names the API probe and the rollback: {lines:#?}"
    );
    assert_eq!(
        app_names(scratch),
        app_before,
        "the replicas that served before still serve"
    );
    assert!(
        outcome.failures.is_empty(),
        "{} failed of {} requests during the rolled-back reload: {:?}",
        outcome.failures.len(),
        outcome.ok + outcome.failures.len(),
        outcome.failures
    );
    assert!(
        outcome
            .seen
            .iter()
            .all(|(_, version)| version == "rolled-out"),
        "only the previous build answered: {:?}",
        outcome.seen
    );
    for name in &app_before {
        let running = docker_format(name, "{{.Image}}");
        let reference = docker_format(name, "{{.Config.Image}}");
        let tagged = docker(&["image", "inspect", "--format", "{{.Id}}", &reference]);
        assert_eq!(
            tagged, running,
            "{reference} names the image {name} runs again, so the next `up` starts it"
        );
    }
}

/// `docker inspect --format FORMAT CONTAINER`, trimmed.
fn docker_format(container: &str, format: &str) -> String {
    docker(&["inspect", "--format", format, container])
}

/// Calls `/` through nginx every CLIENT_INTERVAL until finished, recording every answer.
struct Client {
    stop: Arc<AtomicBool>,
    /// (instance, version) answered so far, shared with the calling thread.
    seen: Arc<Mutex<BTreeSet<(String, String)>>>,
    thread: std::thread::JoinHandle<Outcome>,
}

impl Client {
    fn start(url: String) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::clone(&stop);
        let seen = Arc::new(Mutex::new(BTreeSet::new()));
        let shared = Arc::clone(&seen);
        let thread = std::thread::spawn(move || {
            let http = Http::plain(Duration::from_secs(5));
            let mut outcome = Outcome {
                ok: 0,
                failures: Vec::new(),
                seen: BTreeSet::new(),
            };
            while !running.load(Ordering::Relaxed) {
                match http.get(&url) {
                    Ok(reply) if reply.status == 200 => {
                        let body = reply.json();
                        outcome.ok += 1;
                        let pair = (
                            body["instance"].as_str().unwrap_or_default().to_owned(),
                            body["version"].as_str().unwrap_or_default().to_owned(),
                        );
                        if let Ok(mut seen) = shared.lock() {
                            seen.insert(pair.clone());
                        }
                        outcome.seen.insert(pair);
                    }
                    Ok(reply) => outcome.failures.push(format!("HTTP {}", reply.status)),
                    Err(err) => outcome.failures.push(err),
                }
                std::thread::sleep(CLIENT_INTERVAL);
            }
            outcome
        });
        Self { stop, seen, thread }
    }

    /// Returns once `count` instances answered with `version`, or `within` has passed (the
    /// caller's assertions then report what was seen).
    fn wait_for_instances(&self, version: &str, count: usize, within: Duration) {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            let answered = self
                .seen
                .lock()
                .map(|seen| seen.iter().filter(|(_, v)| v == version).count())
                .unwrap_or(0);
            if answered >= count {
                return;
            }
            std::thread::sleep(CLIENT_INTERVAL);
        }
    }

    fn finish(self) -> Outcome {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("client thread")
    }
}

/// `stack-tui logs -f app` on the scratch stack, its `container | text` lines collected.
struct FollowedLogs {
    child: std::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl FollowedLogs {
    fn start(scratch: &Scratch) -> Self {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stack-tui"))
            .args(["--root", &scratch.root.display().to_string()])
            .args(["--project-prefix", &scratch.prefix])
            .args([
                "--profile",
                scratch.profile,
                "logs",
                "-f",
                "app",
                "--no-color",
            ])
            .envs(scratch.env())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start stack-tui logs -f");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&lines);
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(mut lines) = shared.lock() {
                    lines.push(line);
                }
            }
        });
        Self { child, lines }
    }

    /// Waits until a line from one of `containers` was printed while the process still runs.
    fn wait_for_line_from(&mut self, containers: &BTreeSet<String>, within: Duration) {
        let deadline = std::time::Instant::now() + within;
        loop {
            let lines = self.lines.lock().map(|l| l.clone()).unwrap_or_default();
            let from = |line: &String| {
                let container = line.split(" | ").next().unwrap_or_default().trim();
                containers.contains(container)
            };
            if let Some(line) = lines.iter().find(|line| from(line)) {
                let exited = self.child.try_wait().expect("logs -f status");
                assert!(exited.is_none(), "logs -f exited: {exited:?}");
                println!(
                    "logs -f app: {} lines so far, from a new replica: {line}",
                    lines.len()
                );
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no line from {containers:?} in `logs -f app` within {within:?}; it printed {} lines, the last: {:#?}",
                lines.len(),
                &lines[lines.len().saturating_sub(10)..]
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for FollowedLogs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Names of the project's running app containers, from the engine's compose labels.
fn app_names(scratch: &Scratch) -> BTreeSet<String> {
    let output = std::process::Command::new("docker")
        .args(["ps", "--format", "{{.Names}} {{.Status}}"])
        .args([
            "--filter",
            &format!("label=com.docker.compose.project={}", scratch.project()),
        ])
        .args(["--filter", "label=com.docker.compose.service=app"])
        .output()
        .expect("run docker ps");
    let listing = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("app containers:\n{listing}");
    listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}
