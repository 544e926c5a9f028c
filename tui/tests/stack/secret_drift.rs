//! Secret drift on a real local stack (a scratch copy): the app's Postgres and Redis secrets are
//! generated anew over the running stores and the existing data volume, as a second checkout or a
//! deleted `env/secrets/` does. The app's 503 names Postgres's own reason, `doctor` fails on both
//! with the fix, `up` re-keys the role and recreates Redis, and the row written before is still
//! there.

use crate::reload_support::Scratch;
use crate::reload_support::scratch::{eventually, main_target_dir};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use test_support::http::Http;

const DB: &str = "db_password";
const REDIS: &str = "redis_password";

#[test]
fn regenerated_secrets_fail_doctor_and_up_repairs_them_keeping_the_data() {
    let scratch = Scratch::up("local");
    let http = Http::plain(Duration::from_secs(10));
    let id = create_item(&scratch, &http, "written before the re-key");

    // New secrets over the old volume: the file goes, prepare generates another and installs
    // each consumer's copy, and the app starts with it as a second checkout's would.
    let old = [secret(&scratch.root, DB), secret(&scratch.root, REDIS)];
    for name in [DB, REDIS] {
        std::fs::remove_file(scratch.path(&format!("env/secrets/{name}"))).expect("remove it");
    }
    prepare_without_building(&scratch.path("compose/prepare"));
    let new = [secret(&scratch.root, DB), secret(&scratch.root, REDIS)];
    assert!(
        old[0] != new[0] && old[1] != new[1],
        "prepare generated others"
    );
    let values: Vec<&str> = old.iter().chain(&new).map(String::as_str).collect();
    scratch.compose_ok(&["up", "--detach", "--no-deps", "--force-recreate", "app"]);
    let problem = eventually(
        Duration::from_secs(60),
        "the app refused by Postgres",
        || {
            // While the app starts, nginx answers for it: wait for the app's own problem.
            let reply = http.get(&scratch.url("/api/items")).ok()?;
            let problem: serde_json::Value = serde_json::from_str(&reply.text()).ok()?;
            (reply.status == 503 && problem["dependency"] == "postgres").then_some(problem)
        },
    );
    let detail = problem["detail"].as_str().unwrap_or_default();
    eprintln!("503 before the repair: {detail}");
    assert!(
        detail.contains("password authentication failed for user \"app\""),
        "the 503 names Postgres's own reason: {problem}"
    );

    let doctor = stack_tui(&scratch, &["doctor"]);
    let report = shown(&doctor, &values);
    assert_eq!(doctor.status.code(), Some(1), "{report}");
    let drift = line_with(&report, "secret db_password");
    eprintln!("doctor: {drift}");
    assert!(drift.starts_with("[FAIL]"), "{report}");
    assert!(
        drift.contains("password authentication failed") && drift.contains("up` re-keys"),
        "{drift}"
    );
    let redis = line_with(&report, "secret redis_password");
    eprintln!("doctor: {redis}");
    assert!(
        redis.starts_with("[FAIL]") && redis.contains("WRONGPASS"),
        "{redis}"
    );

    // `up` through the scratch's own preparation, which must not build (the artifacts are staged).
    let prepare = scratch.path("compose/prepare");
    std::fs::rename(&prepare, scratch.path("compose/prepare.real")).expect("move prepare");
    std::fs::write(
        &prepare,
        "#!/bin/sh\nexec \"$(dirname \"$0\")/prepare.real\" --skip-build --quiet \"$@\"\n",
    )
    .expect("write the wrapper");
    make_executable(&prepare);
    let started = Instant::now();
    let up = stack_tui(&scratch, &["up", "--detach"]);
    let said = shown(&up, &values);
    eprintln!("up --detach took {:?}; it said:", started.elapsed());
    for line in said.lines().filter(|line| line.starts_with("secrets:")) {
        eprintln!("  {line}");
    }
    assert!(up.status.success(), "{said}");
    assert!(said.contains("re-keyed role app in postgres"), "{said}");
    assert!(
        said.contains("db_password opens postgres role app now"),
        "{said}"
    );
    assert!(said.contains("recreated redis"), "{said}");
    assert!(said.contains("redis_password opens redis now"), "{said}");

    let listed = http
        .get(&scratch.url("/api/items"))
        .expect("GET /api/items");
    assert_eq!(listed.status, 200, "{listed:?}");
    let kept = http
        .get(&scratch.url(&format!("/api/items/{id}")))
        .expect("GET the item");
    assert_eq!(kept.status, 200, "{kept:?}");
    assert_eq!(kept.json()["name"], "written before the re-key");
    let greeting = http.get(&scratch.url("/")).expect("GET /");
    assert_eq!(greeting.json()["cache"], "ok", "{greeting:?}");

    let doctor = stack_tui(&scratch, &["doctor"]);
    let report = shown(&doctor, &values);
    for name in [DB, REDIS] {
        let line = line_with(&report, &format!("secret {name} opens"));
        assert!(line.starts_with("[ok  ]"), "{report}");
    }
    assert_eq!(doctor.status.code(), Some(0), "{report}");
}

fn create_item(scratch: &Scratch, http: &Http, name: &str) -> i64 {
    let body = format!(r#"{{"name":"{name}"}}"#);
    let created = http
        .send(
            "POST",
            &scratch.url("/api/items"),
            "application/json",
            body.as_bytes(),
        )
        .expect("POST /api/items");
    assert_eq!(created.status, 201, "{created:?}");
    created.json()["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a numeric id: {created:?}"))
}

fn secret(root: &Path, name: &str) -> String {
    std::fs::read_to_string(root.join("env/secrets").join(name)).expect("read the secret")
}

fn prepare_without_building(script: &Path) {
    let output = Command::new(script)
        .args(["--skip-build", "--quiet"])
        .env("CARGO_TARGET_DIR", main_target_dir())
        .output()
        .expect("run compose/prepare");
    assert!(output.status.success(), "{output:?}");
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// stack-tui against the scratch project (its ports, image tag and build output).
fn stack_tui(scratch: &Scratch, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .args(["--root", &scratch.root.display().to_string()])
        .args(["--project-prefix", &scratch.prefix])
        .args(["--profile", scratch.profile])
        .args(args)
        .envs(scratch.env())
        .env("CARGO_TARGET_DIR", main_target_dir())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run stack-tui")
}

/// Everything the command printed; it must show no secret value.
fn shown(output: &Output, secrets: &[&str]) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for secret in secrets {
        assert!(
            !text.contains(secret.trim()),
            "a secret value was printed:\n{text}"
        );
    }
    text
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}:\n{text}"))
}
