//! `stack-tui audit`: every rule on a bad and a good compose fixture (merged by the real
//! `docker compose config`), one deliberately weak container audited at runtime, drift between
//! the two, and the CLI's formats, exit codes and errors.

use stack_core::audit::from_files;
use stack_core::audit::host_files;
use stack_core::audit::report::evaluate;
use stack_core::audit::rules;
use stack_core::audit::subject::Context;
use stack_core::audit::{Finding, Origin};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// A service that passes every rule; each case changes it (or its neighbour `db`) by an overlay.
const BASELINE: &str = r#"
services:
  svc:
    image: "example.test/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000001"
    user: "1000:1000"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    restart: unless-stopped
    healthcheck: {test: ["CMD", "true"]}
    logging: {driver: json-file, options: {max-size: "10m"}}
    deploy: {resources: {limits: {cpus: "0.5", memory: 64M, pids: 64}}}
    networks: [front]
    ports: ["127.0.0.1:8080:8080"]
  db:
    image: "example.test/db:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000002"
    labels: {stack-tui.role: database}
    user: "70:70"
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    restart: unless-stopped
    healthcheck: {test: ["CMD", "true"]}
    logging: {driver: local}
    deploy: {resources: {limits: {cpus: "0.5", memory: 64M, pids: 64}}}
    networks: [back]
networks:
  front: {}
  back: {internal: true}
"#;

/// One rule, an overlay on which it must fire and one on which it must not.
struct Case {
    rule: &'static str,
    bad: &'static str,
    good: &'static str,
    /// Audit this many days in the future (certificate expiry).
    days_ahead: i64,
}

const fn case(rule: &'static str, bad: &'static str, good: &'static str) -> Case {
    Case {
        rule,
        bad,
        good,
        days_ahead: 0,
    }
}

/// `{dir}` in an overlay is the fixture folder (secrets, certificates).
const CASES: &[Case] = &[
    case("user-root", "svc: {user: root}", "svc: {user: \"1000\"}"),
    case(
        "user-unset",
        "svc: {user: !reset null}",
        "svc: {user: \"1000:1000\"}",
    ),
    case(
        "privileged",
        "svc: {privileged: true}",
        "svc: {privileged: false}",
    ),
    case(
        "cap-not-dropped",
        "svc: {cap_drop: !reset []}",
        "svc: {cap_drop: [ALL]}",
    ),
    case(
        "cap-add-dangerous",
        "svc: {cap_add: [SYS_ADMIN]}",
        "svc: {cap_add: !reset []}",
    ),
    case(
        "cap-add",
        "svc: {cap_add: [NET_RAW]}",
        "svc: {cap_add: !reset []}",
    ),
    case(
        "no-new-privileges",
        "svc: {security_opt: !reset []}",
        "svc: {security_opt: [\"no-new-privileges=true\"]}",
    ),
    case(
        "seccomp-unconfined",
        "svc: {security_opt: [\"seccomp:unconfined\"]}",
        "svc: {security_opt: [\"seccomp=default\"]}",
    ),
    case(
        "apparmor-unconfined",
        "svc: {security_opt: [\"apparmor:unconfined\"]}",
        "svc: {security_opt: [\"apparmor:docker-default\"]}",
    ),
    case(
        "selinux-disabled",
        "svc: {security_opt: [\"label:disable\"]}",
        "svc: {security_opt: [\"label:type:svirt_lxc_net_t\"]}",
    ),
    case(
        "rootfs-writable",
        "svc: {read_only: false}",
        "svc: {read_only: true, tmpfs: [/tmp]}",
    ),
    case(
        "docker-socket",
        "svc: {volumes: [\"/var/run/docker.sock:/var/run/docker.sock:ro\"]}",
        "svc: {volumes: [\"{dir}/config:/config:ro\"]}",
    ),
    case(
        "sensitive-host-path",
        "svc: {volumes: [\"/etc:/host-etc:ro\"]}",
        "svc: {volumes: [\"{dir}/config:/etc/app:ro\"]}",
    ),
    case(
        "bind-mount-writable",
        "svc: {volumes: [\"{dir}/config:/data\"]}",
        "svc: {volumes: [\"{dir}/config:/data:ro\"]}",
    ),
    case(
        "mount-propagation-shared",
        "svc: {volumes: [{type: bind, source: \"{dir}/config\", target: /c, read_only: true, bind: {propagation: rshared}}]}",
        "svc: {volumes: [{type: bind, source: \"{dir}/config\", target: /c, read_only: true, bind: {propagation: rprivate}}]}",
    ),
    case(
        "host-device",
        "svc: {devices: [\"/dev/null:/dev/x\"]}",
        "svc: {devices: !reset []}",
    ),
    case(
        "host-network",
        "svc: {network_mode: host, networks: !reset null, ports: !reset []}",
        "svc: {networks: [front]}",
    ),
    case("host-pid", "svc: {pid: host}", "svc: {pid: \"service:db\"}"),
    case("host-ipc", "svc: {ipc: host}", "svc: {ipc: private}"),
    case("host-uts", "svc: {uts: host}", "svc: {}"),
    case("host-userns", "svc: {userns_mode: host}", "svc: {}"),
    case(
        "port-all-interfaces",
        "svc: {ports: !override [\"8080:8080\"]}",
        "svc: {ports: !override [\"127.0.0.1:8080:8080\"]}",
    ),
    case(
        "backend-publishes-port",
        "db: {ports: [\"127.0.0.1:5432:5432\"]}",
        "db: {expose: [\"5432\"]}",
    ),
    case(
        "backend-not-internal",
        "db: {networks: [front, back]}",
        "db: {networks: [back]}",
    ),
    case(
        "privileged-port",
        "svc: {ports: !override [\"127.0.0.1:80:80\"]}",
        "svc: {ports: !override [\"127.0.0.1:80:8080\"]}",
    ),
    case(
        "admin-listener-public",
        "svc: {command: [serve, --admin, \"0.0.0.0:9090\"]}",
        "svc: {command: [serve, --admin, \"127.0.0.1:9090\"]}",
    ),
    case(
        "secret-env-name",
        "svc: {environment: {DB_PASSWORD: hunter2}}",
        "svc: {environment: {DB_PASSWORD_FILE: /run/secrets/db}}",
    ),
    case(
        "secret-env-entropy",
        "svc: {environment: {SESSION: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}}",
        "svc: {environment: {GREETING: \"Hello from the fixture\"}}",
    ),
    case(
        "secret-in-url",
        "svc: {environment: {DATABASE_URL: \"postgres://app:pw@db/app\"}}",
        "svc: {environment: {DATABASE_URL: \"postgres://app@db/app\"}}",
    ),
    case(
        "secret-file-permissions",
        "svc: {secrets: [loose]}",
        "svc: {secrets: [tight]}",
    ),
    case(
        "memory-unlimited",
        "svc: {deploy: {resources: {limits: {memory: !reset null}}}}",
        "svc: {deploy: {resources: {limits: {memory: 32M}}}}",
    ),
    case(
        "cpu-unlimited",
        "svc: {deploy: {resources: {limits: {cpus: !reset null}}}}",
        "svc: {deploy: {resources: {limits: {cpus: \"1\"}}}}",
    ),
    case(
        "pids-unlimited",
        "svc: {deploy: {resources: {limits: {pids: !reset null}}}}",
        "svc: {deploy: {resources: {limits: {pids: 10}}}}",
    ),
    case(
        "restart-policy",
        "svc: {restart: \"no\"}",
        "svc: {restart: on-failure:5}",
    ),
    case(
        "healthcheck-missing",
        "svc: {healthcheck: {disable: true}}",
        "svc: {healthcheck: {test: [CMD-SHELL, \"true\"]}}",
    ),
    case(
        "image-latest",
        "svc: {image: example.test/app:latest}",
        "svc: {image: example.test/app:2.1}",
    ),
    case(
        "image-not-pinned",
        "svc: {image: example.test/app:2.1}",
        "svc: {image: example.test/app:2.1, build: {context: \"{dir}/config\"}}",
    ),
    case(
        "edge-host-instances-exceed-memory",
        "svc: {environment: {EDGE_HOST_LOG: info}}",
        "svc: {environment: {EDGE_HOST_MAX_INSTANCES: \"2\", EDGE_HOST_MEMORY_LIMIT_MB: \"4\"}, \
         deploy: {resources: {limits: {memory: 128M}}}}",
    ),
    case(
        "logging-unbounded",
        "svc: {logging: !reset {}}",
        "svc: {logging: {driver: local}}",
    ),
    Case {
        rule: "tls-cert-expired",
        bad: "svc: {volumes: [\"{dir}/tls-short:/tls:ro\"]}",
        good: "svc: {volumes: [\"{dir}/tls-long:/tls:ro\"]}",
        days_ahead: 2,
    },
    case(
        "tls-cert-expiring",
        "svc: {volumes: [\"{dir}/tls-short:/tls:ro\"]}",
        "svc: {volumes: [\"{dir}/tls-long:/tls:ro\"]}",
    ),
    case(
        "tls-key-permissions",
        "svc: {volumes: [\"{dir}/tls-loose:/tls:ro\"]}",
        "svc: {volumes: [\"{dir}/tls-long:/tls:ro\"]}",
    ),
];

/// Secrets and certificates the file rules look at.
fn fixture_files(dir: &Path) {
    fs::create_dir_all(dir.join("config")).expect("config dir");
    for (name, mode) in [("loose", 0o644), ("tight", 0o600)] {
        let path = dir.join(format!("secret-{name}"));
        fs::write(&path, "not-a-real-secret").expect("secret file");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
    }
    for (folder, days, key_mode) in [
        ("tls-short", "1", 0o600),
        ("tls-long", "365", 0o600),
        ("tls-loose", "365", 0o644),
    ] {
        let tls = dir.join(folder);
        fs::create_dir_all(&tls).expect("tls dir");
        let status = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args([
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=fixture",
            ])
            .args(["-days", days, "-keyout"])
            .arg(tls.join("key.pem"))
            .arg("-out")
            .arg(tls.join("cert.pem"))
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl runs (the stack's prepare script needs it too)");
        assert!(status.success(), "openssl made the {folder} certificate");
        fs::set_permissions(tls.join("key.pem"), fs::Permissions::from_mode(key_mode))
            .expect("chmod key");
    }
}

fn secrets_block(dir: &Path) -> String {
    format!(
        "secrets:\n  loose: {{file: \"{0}/secret-loose\"}}\n  tight: {{file: \"{0}/secret-tight\"}}\n",
        dir.display()
    )
}

/// The findings the static source reports for the baseline plus `overlay`.
fn audit_overlay(dir: &Path, name: &str, overlay: &str, days_ahead: i64) -> Vec<Finding> {
    let base = dir.join("base.yaml");
    let file = dir.join(format!("{name}.yaml"));
    let services = overlay.replace("{dir}", &dir.display().to_string());
    let text = format!("services:\n  {}\n{}", services, secrets_block(dir));
    fs::write(&file, text).expect("overlay");
    let output = Command::new("docker")
        .args(["compose", "--project-name", "audit-fixture", "-f"])
        .arg(&base)
        .arg("-f")
        .arg(&file)
        .args(["config", "--format", "json"])
        .output()
        .expect("docker compose runs");
    assert!(
        output.status.success(),
        "compose rejected the fixture {name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut model =
        from_files::parse(&String::from_utf8_lossy(&output.stdout)).expect("compose's model");
    host_files::attach(&mut model);
    let context = Context {
        internal_networks: model.internal_networks,
        now: chrono::Utc::now().timestamp() + days_ahead * 24 * 3600,
    };
    evaluate(&model.subjects, &context, Origin::Static)
}

#[test]
fn every_rule_fires_on_its_bad_fixture_and_not_on_its_good_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    fixture_files(dir.path());
    fs::write(dir.path().join("base.yaml"), BASELINE).expect("baseline");
    let clean = audit_overlay(dir.path(), "baseline", "svc: {}", 0);
    assert!(
        clean.is_empty(),
        "the baseline passes every rule: {clean:#?}"
    );

    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        assert!(
            rules::find(case.rule).is_some(),
            "{}: no such rule",
            case.rule
        );
        let bad = audit_overlay(
            dir.path(),
            &format!("bad{index}"),
            case.bad,
            case.days_ahead,
        );
        if !bad.iter().any(|f| f.rule == case.rule) {
            failures.push(format!(
                "{}: did not fire on {:?}; got {bad:?}",
                case.rule, case.bad
            ));
        }
        let good = audit_overlay(
            dir.path(),
            &format!("good{index}"),
            case.good,
            case.days_ahead,
        );
        if good.iter().any(|f| f.rule == case.rule) {
            failures.push(format!(
                "{}: fired on the good {:?}: {good:?}",
                case.rule, case.good
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every rule of the catalogue has its case (drift is proven against a container below).
    let covered: Vec<&str> = CASES.iter().map(|case| case.rule).collect();
    let missing: Vec<&str> = rules::all()
        .map(|rule| rule.id)
        .filter(|id| *id != "drift" && !covered.contains(id))
        .collect();
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
}

// ---- runtime: one deliberately weak container in a project of its own ----

/// A stack-tui project with one profile, `weak`: root, writable root filesystem, NET_RAW added,
/// no healthcheck, no limits, nothing published.
const WEAK_BASE: &str = r#"
services:
  weak:
    image: ${WEAK_IMAGE}
    pull_policy: never
    command: ["sleep", "infinity"]
    user: root
    cap_add: [NET_RAW]
    init: true
    healthcheck: {disable: true}
    networks: [inside]
networks:
  inside: {}
"#;

struct WeakProject {
    root: tempfile::TempDir,
    prefix: String,
}

impl WeakProject {
    fn start() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let path = root.path();
        fs::create_dir_all(path.join("compose")).expect("compose dir");
        fs::create_dir_all(path.join("weak")).expect("profile dir");
        fs::create_dir_all(path.join("env")).expect("env dir");
        fs::write(path.join("compose/compose.yaml"), WEAK_BASE).expect("base file");
        fs::write(path.join("weak/compose.yaml"), "services: {}\n").expect("overlay");
        fs::write(
            path.join("env/common.env"),
            format!("WEAK_IMAGE={}\n", base_image()),
        )
        .expect("env");
        // Not the stack tests' prefix: their stale-project sweep must never take this one.
        let project = Self {
            root,
            prefix: format!("stau{}", std::process::id()),
        };
        // Started is enough: the container has no healthcheck to wait for (that is the point).
        let up = project.compose(&["up", "--detach"]);
        assert!(
            up.status.success(),
            "the weak container starts: {}",
            String::from_utf8_lossy(&up.stderr)
        );
        project
    }

    fn project(&self) -> String {
        format!("{}-weak", self.prefix)
    }

    fn compose(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .current_dir(self.root.path())
            .args([
                "compose",
                "-p",
                &self.project(),
                "--env-file",
                "env/common.env",
            ])
            .args(["-f", "compose/compose.yaml", "-f", "weak/compose.yaml"])
            .args(args)
            .output()
            .expect("docker compose runs")
    }

    fn audit(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_stack-tui"))
            .arg("--root")
            .arg(self.root.path())
            .args([
                "--project-prefix",
                &self.prefix,
                "--profile",
                "weak",
                "audit",
            ])
            .args(args)
            .output()
            .expect("stack-tui runs")
    }

    fn overlay(&self) -> PathBuf {
        self.root.path().join("weak/compose.yaml")
    }
}

impl Drop for WeakProject {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "--volumes", "--timeout", "1"]);
    }
}

/// The locally built base image setup-host provides (no registry needed).
fn base_image() -> String {
    std::env::var("STACK_TUI_BASE_IMAGE").unwrap_or_else(|_| "stack-tui/base:bookworm".into())
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "audit printed JSON ({err}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn runtime_rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["origin"] == "runtime")
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_weak_container_is_reported_at_runtime_and_drift_is_seen() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    let weak = WeakProject::start();

    let output = weak.audit(&["--runtime", "--format", "json"]);
    let report = json(&output);
    let found = runtime_rules(&report);
    for rule in [
        "user-root",
        "rootfs-writable",
        "cap-add",
        "cap-not-dropped",
        "no-new-privileges",
        "healthcheck-missing",
        "memory-unlimited",
        "cpu-unlimited",
        "pids-unlimited",
    ] {
        assert!(
            found.iter().any(|r| r == rule),
            "runtime audit reports {rule}: {found:?}"
        );
    }
    let user_root = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "user-root")
        .expect("user-root finding");
    assert!(
        user_root["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("effective uid 0")),
        "root is read from the running process: {user_root}"
    );
    assert!(
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|f| f["origin"] != "static"),
        "--runtime reads no files"
    );
    assert_eq!(
        output.status.code(),
        Some(5),
        "the worst open finding is high"
    );
    assert_eq!(report["exit_code"], 5);

    // No published port: the all-interfaces rule stays quiet at runtime (it is proven on
    // fixtures; no test binds every interface).
    assert!(!found.iter().any(|r| r == "port-all-interfaces"));

    // The files change, the container does not: drift, field by field.
    let both = json(&weak.audit(&["--format", "json"]));
    assert!(
        !both["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["rule"] == "drift"),
        "a freshly started container matches its files: {both}"
    );
    fs::write(
        weak.overlay(),
        "services:\n  weak:\n    read_only: true\n    user: \"1000\"\n",
    )
    .expect("edit the overlay");
    let drifted = json(&weak.audit(&["--format", "json"]));
    let drift = drifted["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "drift")
        .unwrap_or_else(|| panic!("drift is reported after an unapplied edit: {drifted}"));
    let evidence = drift["evidence"].as_str().unwrap_or_default();
    assert!(
        evidence.contains("read_only: files true, running false"),
        "{evidence}"
    );
    assert!(
        evidence.contains("user: files 1000, running root"),
        "{evidence}"
    );

    // Accepted findings are listed, not hidden, and stop deciding the exit code.
    fs::write(
        weak.root.path().join("weak/audit-ignore.toml"),
        "[[ignore]]\nrule = \"*\"\nservice = \"weak\"\nreason = \"r\"\n",
    )
    .expect("suppressions");
    let refused = weak.audit(&["--runtime"]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "an unknown rule id is refused"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("audit-ignore.toml") && stderr.contains("unknown rule id"),
        "{stderr}"
    );

    let mut accepted = String::new();
    for rule in &found {
        accepted.push_str(&format!(
            "[[ignore]]\nrule = \"{rule}\"\nservice = \"weak\"\nreason = \"fixture\"\n"
        ));
    }
    fs::write(weak.root.path().join("weak/audit-ignore.toml"), accepted).expect("suppressions");
    let quiet = weak.audit(&["--runtime", "--format", "json"]);
    let report = json(&quiet);
    assert_eq!(quiet.status.code(), Some(0), "{report}");
    assert_eq!(
        report["suppressed"].as_array().map(Vec::len),
        Some(found.len()),
        "every suppressed finding is still listed"
    );
    assert!(report["suppressed"][0]["reason"] == "fixture");

    // SARIF for editors and CI: one result per finding, suppressed ones marked so.
    let sarif = weak.audit(&["--runtime", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), found.len());
    assert!(
        results
            .iter()
            .all(|r| r["suppressions"][0]["justification"] == "fixture")
    );
    assert!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .is_some_and(|rules| rules.len() >= 25)
    );
}

#[test]
fn bad_flags_and_profiles_are_refused_with_the_reason() {
    let bin = env!("CARGO_BIN_EXE_stack-tui");
    let bad_format = Command::new(bin)
        .args(["audit", "--format", "yaml"])
        .output()
        .expect("runs");
    assert_eq!(bad_format.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_format.stderr).contains("yaml"));

    let both = Command::new(bin)
        .args(["audit", "--static", "--runtime"])
        .output()
        .expect("runs");
    assert_eq!(
        both.status.code(),
        Some(2),
        "--static and --runtime exclude each other"
    );

    let unknown = Command::new(bin)
        .args(["--profile", "nope", "audit", "--static"])
        .output()
        .expect("runs");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown profile \"nope\""));

    let rules = Command::new(bin)
        .args(["audit", "--rules"])
        .output()
        .expect("runs");
    assert!(rules.status.success());
    let listed = String::from_utf8_lossy(&rules.stdout);
    for rule in rules::all() {
        assert!(listed.contains(rule.id), "--rules lists {}", rule.id);
    }
}

#[test]
fn the_bundled_profiles_report_only_what_their_readmes_accept() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for profile in ["local", "dev", "prod"] {
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
            .arg("--root")
            .arg(&root)
            .args([
                "--profile",
                profile,
                "audit",
                "--static",
                "--format",
                "json",
            ])
            .output()
            .expect("runs");
        let report = json(&output);
        assert_eq!(
            report["findings"].as_array().map(Vec::len),
            Some(0),
            "{profile}: no open finding in the files: {report:#}"
        );
        assert_eq!(output.status.code(), Some(0));
        let readme = fs::read_to_string(root.join(profile).join("README.md")).expect("README");
        for entry in report["suppressed"].as_array().into_iter().flatten() {
            let rule = entry["rule"].as_str().unwrap_or_default();
            assert!(
                readme.contains(rule),
                "{profile}/README.md explains the accepted {rule}"
            );
        }
        println!("{profile}: static audit in {:?}", started.elapsed());
    }
}
