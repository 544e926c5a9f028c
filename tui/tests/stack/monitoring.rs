//! The monitoring overlay on a real engine, as a user runs it: `stack-tui up --with monitoring`
//! on the local profile, then Prometheus' own API (on 127.0.0.1 only) finds the app replica and
//! nginx by Docker's DNS and scrapes both, a query for edge-host's request counter sees requests
//! sent through nginx, every expression of the shipped Grafana dashboard is valid PromQL there,
//! Prometheus cannot reach the app's admin listener nor reload through the metrics listener,
//! the audit and status pass with the overlay on, and `down` removes all of it. And, starting
//! nothing, the overlay merged with every profile's files (ports, networks, the listener).

use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use test_support::docker_cli::docker;
use test_support::http::Http;
use test_support::stack::{TEST_PROJECT_PREFIX, exclusive};
use test_support::{free_port, repo_root, wait_until};

/// A project brought up by stack-tui with the overlay; taken down with its volumes and its
/// overlay record on drop, also when the test fails.
struct Monitored {
    prefix: String,
    http_port: u16,
    prometheus_port: u16,
}

impl Monitored {
    fn project(&self) -> String {
        format!("{}-local", self.prefix)
    }

    fn stack_tui(&self, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
            .arg("--root")
            .arg(repo_root())
            .args(["--project-prefix", &self.prefix, "--profile", "local"])
            .args(args)
            .env("STACK_HTTP_PORT", self.http_port.to_string())
            .env("STACK_PROMETHEUS_PORT", self.prometheus_port.to_string())
            .stdin(Stdio::null())
            .output()
            .expect("run stack-tui");
        eprintln!(
            "stack-tui {args:?} ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn prometheus(&self, http: &Http, path: &str) -> Value {
        let url = format!("http://127.0.0.1:{}{path}", self.prometheus_port);
        let reply = http
            .get(&url)
            .unwrap_or_else(|err| panic!("GET {url}: {err}"));
        assert_eq!(reply.status, 200, "GET {url}: {}", reply.text());
        reply.json()
    }

    /// Healthy active targets per job.
    fn targets_up(&self, http: &Http) -> Vec<(String, String)> {
        let targets = self.prometheus(http, "/api/v1/targets?state=active");
        targets["data"]["activeTargets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|target| target["health"] == "up")
            .map(|target| {
                let label = |name: &str| target["labels"][name].as_str().unwrap_or("").to_owned();
                (label("job"), label("instance"))
            })
            .collect()
    }

    /// Prometheus' answer to an instant query.
    fn query(&self, http: &Http, expr: &str) -> Value {
        let encoded = url_encode(expr);
        self.prometheus(http, &format!("/api/v1/query?query={encoded}"))
    }

    fn containers(&self) -> Vec<String> {
        let listed = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.project()),
            "--format",
            "{{.Names}}",
        ]);
        listed.lines().map(str::to_owned).collect()
    }
}

impl Drop for Monitored {
    fn drop(&mut self) {
        if !self.containers().is_empty() {
            self.stack_tui(&["down", "--volumes", "--yes"]);
        }
        let _ = std::fs::remove_file(repo_root().join("env/overlays").join(self.project()));
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn result_value(reply: &Value) -> Option<f64> {
    reply["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|text| text.parse().ok())
}

#[test]
fn monitoring_overlay_scrapes_the_app_and_nginx_and_goes_with_down() {
    let _turn = exclusive();
    let stack = Monitored {
        prefix: format!("{TEST_PROJECT_PREFIX}mon{}", std::process::id()),
        http_port: free_port(),
        prometheus_port: free_port(),
    };
    let up = stack.stack_tui(&["up", "--detach", "--with", "monitoring"]);
    assert!(up.status.success(), "up --with monitoring failed");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );
    assert!(
        said.contains("prepare: monitoring images:"),
        "the image choice is announced: {said}"
    );
    assert!(
        said.contains(&format!(
            "Prometheus at http://127.0.0.1:{}",
            stack.prometheus_port
        )),
        "{said}"
    );
    let http = Http::plain(Duration::from_secs(5));

    // Docker's DNS names the one local replica and nginx; both are scraped.
    let mut up_now = Vec::new();
    let found = wait_until(Duration::from_secs(60), || {
        up_now = stack.targets_up(&http);
        ["edge-host", "nginx"]
            .iter()
            .all(|job| up_now.iter().filter(|(j, _)| j == job).count() == 1)
    });
    assert!(found, "targets up after 60 s: {up_now:?}");

    // The healthchecks count as requests too (200s): five 404s are this test's own.
    for _ in 0..5 {
        let reply = http
            .get(&format!(
                "http://127.0.0.1:{}/no-such-page-for-monitoring",
                stack.http_port
            ))
            .expect("GET through nginx");
        assert_eq!(reply.status, 404, "{}", reply.text());
    }
    let counted = r#"sum(edge_host_http_requests_total{status="404"})"#;
    let mut seen = None;
    let scraped = wait_until(Duration::from_secs(30), || {
        seen = result_value(&stack.query(&http, counted));
        seen.is_some_and(|count| count >= 5.0)
    });
    assert!(scraped, "{counted} = {seen:?} after 5 requests");
    let nginx = result_value(&stack.query(&http, "sum(nginx_http_requests_total)"));
    assert!(nginx.is_some_and(|n| n >= 5.0), "nginx requests {nginx:?}");

    dashboard_queries_are_valid(&stack, &http);
    prometheus_has_no_admin_rights(&stack);
    isolation_and_audit_hold(&stack);

    let down = stack.stack_tui(&["down", "--volumes", "--yes"]);
    assert!(down.status.success(), "down failed");
    assert_eq!(
        stack.containers(),
        Vec::<String>::new(),
        "down removed everything"
    );
    let networks = docker(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(
        !networks.contains(&format!("{}_monitoring", stack.project())),
        "{networks}"
    );
    assert!(
        !repo_root()
            .join("env/overlays")
            .join(stack.project())
            .exists(),
        "down forgets the overlay"
    );
}

/// Every expression of the shipped Grafana dashboard parses and runs on this Prometheus (its
/// `$__rate_interval` as Grafana would fill it in).
fn dashboard_queries_are_valid(stack: &Monitored, http: &Http) {
    let path = repo_root().join("compose/monitoring/grafana/stack-tui-dashboard.json");
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read the dashboard"))
            .expect("the dashboard is JSON");
    let exprs: Vec<String> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .filter_map(|target| target["expr"].as_str().map(str::to_owned))
        .collect();
    assert!(exprs.len() >= 5, "{exprs:?}");
    for expr in exprs {
        let reply = stack.query(http, &expr.replace("$__rate_interval", "1m"));
        assert_eq!(reply["status"], "success", "{expr}: {reply}");
    }
    let per_replica = stack.query(http, "sum by (instance) (edge_host_http_requests_total)");
    assert_eq!(
        per_replica["data"]["result"].as_array().map(Vec::len),
        Some(1),
        "one series per replica: {per_replica}"
    );
}

/// From Prometheus' container: the app's metrics listener answers, its admin listener does not
/// (loopback only), and the metrics listener has no reload.
fn prometheus_has_no_admin_rights(stack: &Monitored) {
    let container = format!("{}-prometheus-1", stack.project());
    let wget = |args: &[&str]| {
        Command::new("docker")
            .args([
                "exec",
                &container,
                "wget",
                "-q",
                "-T",
                "3",
                "-O",
                "/dev/null",
            ])
            .args(args)
            .output()
            .expect("docker exec wget")
            .status
            .success()
    };
    assert!(wget(&["http://app:9100/metrics"]), "metrics listener");
    assert!(
        !wget(&["http://app:9090/metrics"]),
        "the admin listener answers another container"
    );
    assert!(
        !wget(&["--post-data=", "http://app:9100/admin/reload"]),
        "the metrics listener takes a reload"
    );
}

fn isolation_and_audit_hold(stack: &Monitored) {
    let project = stack.project();
    let inspect = |what: &str, format: &str| docker(&["inspect", "--format", format, what]);
    assert_eq!(
        inspect(&format!("{project}_backend"), "{{.Internal}}"),
        "true",
        "the backend stays internal"
    );
    let prometheus = format!("{project}-prometheus-1");
    let networks = inspect(
        &prometheus,
        "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}",
    );
    assert_eq!(networks.trim(), format!("{project}_monitoring"));
    let published = inspect(
        &prometheus,
        "{{range $port, $bindings := .NetworkSettings.Ports}}{{range $bindings}}{{.HostIp}}:{{.HostPort}} {{end}}{{end}}",
    );
    assert_eq!(
        published.trim(),
        format!("127.0.0.1:{}", stack.prometheus_port),
        "Prometheus is published on loopback only"
    );
    let user = inspect(
        &prometheus,
        "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}",
    );
    assert_eq!(user, "65534:65534 true");

    let audit = stack.stack_tui(&["audit"]);
    assert!(
        audit.status.success(),
        "the audit has open findings with the overlay on"
    );
    let status = stack.stack_tui(&["status"]);
    assert!(status.status.success(), "status is not all healthy");
    let listed = String::from_utf8_lossy(&status.stdout);
    assert!(
        listed.contains("prometheus") && listed.contains("nginx-exporter"),
        "{listed}"
    );
}

/// The overlay on each profile's files, as `docker compose config` merges them with either
/// image source: Prometheus on 127.0.0.1, on a port of its own per profile that no profile's
/// nginx uses, on the monitoring network only; the app's read-only listener on; the backend
/// still internal.
#[test]
fn monitoring_overlay_merges_with_every_profile_on_ports_of_its_own() {
    let mut published: Vec<(String, String)> = Vec::new();
    for profile in ["local", "dev", "prod"] {
        for source in ["standin", "upstream"] {
            let output = Command::new("docker")
                .current_dir(repo_root())
                .args(["compose", "-p", &format!("stack-{profile}")])
                .args(["--env-file", "env/common.env", "--env-file"])
                .arg(format!("env/{profile}.env"))
                .args(["-f", "compose/compose.yaml", "-f"])
                .arg(format!("{profile}/compose.yaml"))
                .args(["-f", "compose/monitoring/compose.yaml"])
                .args(["config", "--format", "json"])
                .env("STACK_MONITORING_SOURCE", source)
                .env_remove("STACK_HTTP_PORT")
                .env_remove("STACK_HTTPS_PORT")
                .env_remove("STACK_PROMETHEUS_PORT")
                .output()
                .expect("run docker compose config");
            assert!(
                output.status.success(),
                "{profile} ({source}): {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let model: Value = serde_json::from_slice(&output.stdout).expect("JSON");
            let services = &model["services"];
            let prometheus = &services["prometheus"];
            let ports = prometheus["ports"].as_array().expect("prometheus ports");
            assert_eq!(ports.len(), 1, "{profile}: {ports:?}");
            assert_eq!(ports[0]["host_ip"], "127.0.0.1", "{profile}");
            let networks: Vec<&String> = prometheus["networks"]
                .as_object()
                .expect("networks")
                .keys()
                .collect();
            assert_eq!(networks, ["monitoring"], "{profile}");
            assert_eq!(
                services["app"]["environment"]["EDGE_HOST_METRICS"], "0.0.0.0:9100",
                "{profile}"
            );
            assert_eq!(model["networks"]["backend"]["internal"], true, "{profile}");
            assert_eq!(services["nginx-exporter"]["network_mode"], "service:nginx");
            if source == "standin" {
                for (name, service) in services.as_object().expect("services") {
                    for port in service["ports"].as_array().into_iter().flatten() {
                        let number = port["published"].as_str().unwrap_or("").to_owned();
                        published.push((format!("{profile} {name}"), number));
                    }
                }
            }
        }
    }
    let mut numbers: Vec<&String> = published.iter().map(|(_, port)| port).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        published.len(),
        "every profile's ports differ: {published:?}"
    );
}
