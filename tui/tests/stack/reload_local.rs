//! Hot reload end to end on the local profile (real engine, real nginx, a real component build):
//! each kind of change becomes visible through nginx, and broken edits leave the old version
//! serving with the error reported. Runs on a scratch copy of the project.

use crate::reload_support::scratch::eventually;
use crate::reload_support::{Scratch, Watch};
use stack_core::reload::RELOAD_TABLE;
use std::collections::BTreeSet;
use std::time::Duration;
use test_support::http::Http;

const HEADERS: &str = "proxy-config/snippets/security-headers.conf";
const ROOT_HANDLER: &str = "edge-app/src/app/root.rs";
/// The first component build in the scratch target directory compiles the app's dependencies.
const BUILD: Duration = Duration::from_secs(900);
const QUICK: Duration = Duration::from_secs(60);

/// The rows of the reload table (tui/core/src/reload/table.rs) this test edited and checked: each
/// row's file is saved, and its effect on the running stack asserted, before the row counts.
#[derive(Default)]
struct Rows(BTreeSet<&'static str>);

impl Rows {
    /// The row's example file, which the section edits.
    fn example(&mut self, id: &'static str) -> &'static str {
        let row = RELOAD_TABLE
            .iter()
            .find(|row| row.id == id)
            .unwrap_or_else(|| panic!("no reload table row {id}"));
        self.0.insert(id);
        row.example
    }

    fn all_exercised(&self) {
        let missing: Vec<&str> = RELOAD_TABLE
            .iter()
            .map(|row| row.id)
            .filter(|id| !self.0.contains(id))
            .collect();
        assert!(
            missing.is_empty(),
            "reload table rows not tested: {missing:?}"
        );
    }
}

fn index(http: &Http, scratch: &Scratch) -> Option<serde_json::Value> {
    let reply = http.get(&scratch.url("/")).ok()?;
    (reply.status == 200).then(|| reply.json())
}

#[test]
fn local_profile_reloads_each_kind_and_survives_broken_edits() {
    let scratch = Scratch::up("local");
    let http = Http::plain(Duration::from_secs(5));
    let mut watch = Watch::start(&scratch, &[]);
    let mut rows = Rows::default();

    // Proxy: a new response header from nginx. The reload is applied once every worker is new,
    // so the first request after it has the header.
    assert_eq!(rows.example("proxy"), HEADERS);
    scratch.edit(HEADERS, |text| {
        text + "add_header X-Reload-Check \"one\" always;\n"
    });
    let lines = watch.wait_for("proxy reload applied", QUICK);
    assert!(
        lines.iter().any(|l| l.contains("new worker process")),
        "the new workers are on the timeline: {lines:#?}"
    );
    // A new connection: only the new workers accept them.
    let fresh = Http::plain(Duration::from_secs(5));
    let reply = fresh.get(&scratch.url("/health")).expect("GET /health");
    assert_eq!(reply.header("x-reload-check"), Some("one"));

    // Not a build input (spin.toml's `watch`): a README edit under edge-app/ starts nothing. The
    // proxy edit after it is the marker: its reload comes with no app reload before it.
    scratch.edit(rows.example("app-other"), |text| text + "\nA note.\n");
    scratch.edit(HEADERS, |text| text.replace("\"one\"", "\"two\""));
    let lines = watch.wait_for("proxy reload applied", QUICK);
    assert!(
        !lines.iter().any(|l| l.contains("app reload")),
        "a README edit started an app reload: {lines:#?}"
    );
    eventually(
        Duration::from_secs(5),
        "nginx sends the newer header",
        || {
            let reply = http.get(&scratch.url("/health")).ok()?;
            (reply.header("x-reload-check") == Some("two")).then_some(())
        },
    );

    // Proxy, broken: nginx -t refuses it, the old config keeps serving.
    let before = scratch.container_ids();
    scratch.edit(HEADERS, |text| text + "bogus_directive on;\n");
    let lines = watch.wait_for("proxy reload failed", QUICK);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("unknown directive \"bogus_directive\"")),
        "nginx's message is reported: {lines:#?}"
    );
    let reply = http.get(&scratch.url("/health")).expect("GET /health");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-reload-check"), Some("two"));
    assert_eq!(scratch.container_ids(), before, "nothing was restarted");
    scratch.edit(HEADERS, |text| text.replace("bogus_directive on;\n", ""));
    watch.wait_for("proxy reload applied", QUICK);

    // App code: a different body, built by spin.toml's command and swapped in by edge-host
    // without a restart.
    assert_eq!(rows.example("app-code"), ROOT_HANDLER);
    scratch.edit(ROOT_HANDLER, |text| {
        text.replace(
            "version: env!(\"CARGO_PKG_VERSION\"),",
            "version: \"hot-reloaded\",",
        )
    });
    watch.wait_for("app reload applied", BUILD);
    assert!(
        !watch.seen.iter().any(|l| l.contains("README.md")),
        "the README edit reached a reload: {:#?}",
        watch.seen
    );
    eventually(Duration::from_secs(10), "the new component answers", || {
        index(&http, &scratch).filter(|body| body["version"] == "hot-reloaded")
    });
    assert_eq!(
        scratch.container_ids(),
        before,
        "the app was swapped in place"
    );

    // Two saves during one build: the second cancels the build the first started, and one
    // reload with the second save's code completes.
    scratch.edit(ROOT_HANDLER, |text| {
        text.replace("\"hot-reloaded\"", "\"superseded-save\"")
    });
    watch.wait_for("… build component", QUICK);
    scratch.edit(ROOT_HANDLER, |text| {
        text.replace("\"superseded-save\"", "\"hot-reloaded\"")
    });
    let lines = watch.wait_for("app reload applied", BUILD);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("app reload cancelled, superseded by a newer save")),
        "the first build was cancelled: {lines:#?}"
    );
    let builds = lines
        .iter()
        .filter(|l| l.contains("✓ build component"))
        .count();
    assert_eq!(builds, 1, "one build completed: {lines:#?}");
    eventually(Duration::from_secs(10), "the second save serves", || {
        index(&http, &scratch).filter(|body| body["version"] == "hot-reloaded")
    });

    // The manifest: local serves the host's spin.toml, so a variable edit is what runs, and the
    // reload is done only once edge-host serves that manifest (its digest, checked by the step).
    let manifest = rows.example("app-manifest");
    const MESSAGE: &str = "message = \"{{ message }}\"";
    scratch.edit(manifest, |text| {
        text.replace(MESSAGE, "message = \"from the edited manifest\"")
    });
    let lines = watch.wait_for("app reload applied", BUILD);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("edge-host serves generation")),
        "the swap is confirmed against the running app: {lines:#?}"
    );
    let body = index(&http, &scratch).expect("GET / after the manifest edit");
    assert_eq!(body["message"], "from the edited manifest");

    // A manifest edge-host refuses: the reload fails with edge-host's reason, the previous
    // manifest keeps serving.
    scratch.edit(manifest, |text| {
        text.replace(
            "key_value_stores = [\"default\"]",
            "key_value_stores = [\"nowhere\"]",
        )
    });
    let lines = watch.wait_for("app reload failed", BUILD);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"nowhere\", which is not defined")),
        "edge-host's reason is reported: {lines:#?}"
    );
    let body = index(&http, &scratch).expect("GET / still answers");
    assert_eq!(body["message"], "from the edited manifest");
    scratch.edit(manifest, |text| {
        text.replace(
            "key_value_stores = [\"nowhere\"]",
            "key_value_stores = [\"default\"]",
        )
        .replace("message = \"from the edited manifest\"", MESSAGE)
    });
    watch.wait_for("app reload applied", BUILD);

    // App code, broken: the compiler's errors are reported, the last good build keeps serving.
    scratch.edit(ROOT_HANDLER, |text| text + "\nfn broken( {\n");
    let lines = watch.wait_for("app reload failed", BUILD);
    assert!(
        lines.iter().any(|l| l.contains("error")),
        "compiler errors are reported: {lines:#?}"
    );
    let body = index(&http, &scratch).expect("GET / still answers");
    assert_eq!(body["version"], "hot-reloaded");

    // Env value of the app alone: its replica is replaced by one with the new value (healthy
    // first), and compose finds nothing else to recreate.
    scratch.edit(rows.example("env"), |text| {
        text + "APP_MESSAGE=\"changed by env\"\n"
    });
    let lines = watch.wait_for("stack reload applied", Duration::from_secs(180));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("app: replaced") && l.ends_with("then nothing recreated")),
        "only the app is replaced, and that is listed: {lines:#?}"
    );
    eventually(
        Duration::from_secs(60),
        "the new env value is served",
        || index(&http, &scratch).filter(|body| body["message"] == "changed by env"),
    );

    // Mounted configuration: compose alone does not see a redis.conf edit; Redis is restarted and
    // the running server has the new setting.
    scratch.edit(rows.example("mounted-config"), |text| {
        text.replace(
            "maxmemory-policy volatile-lru",
            "maxmemory-policy allkeys-lru",
        )
    });
    let lines = watch.wait_for("stack reload applied", Duration::from_secs(120));
    assert!(
        lines.iter().any(|l| l.contains("restarted redis")),
        "the restart is on the timeline: {lines:#?}"
    );
    let policy = scratch.compose_ok(&[
        "exec",
        "-T",
        "redis",
        "sh",
        "-c",
        "REDISCLI_AUTH=\"$(cat /run/secrets/redis_password)\" redis-cli CONFIG GET maxmemory-policy",
    ]);
    assert!(policy.contains("allkeys-lru"), "CONFIG GET: {policy}");

    // A new Postgres init script reaches no running database: the reload says so and fails.
    rows.example("init-script");
    let script = scratch.path("compose/db/099_note.sql");
    std::fs::write(&script, "SELECT 1;\n").expect("write an init script");
    let lines = watch.wait_for("stack reload failed", Duration::from_secs(120));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("is an init script of postgres")),
        "the reason is reported: {lines:#?}"
    );
    std::fs::remove_file(&script).expect("remove the init script");
    watch.wait_for("stack reload applied", Duration::from_secs(120));

    // Migrations: a new one reaches the existing volume through the migrate one-shot; an applied
    // one that was edited is refused by name, and the app keeps serving.
    rows.example("migration");
    migrations_reach_the_running_database(&scratch, &mut watch, &http);

    // Overlay: a label on nginx; compose recreates it (the line lists every recreated service).
    let overlay = rows.example("compose");
    scratch.edit(overlay, |text| {
        text.replacen(
            "services:\n",
            "services:\n  nginx:\n    labels:\n      reload-check: overlay\n",
            1,
        )
    });
    let lines = watch.wait_for("stack reload applied", Duration::from_secs(120));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("— recreated") && l.contains("nginx")),
        "nginx is listed as recreated: {lines:#?}"
    );
    let nginx = scratch.compose_ok(&["ps", "-q", "nginx"]);
    let label = std::process::Command::new("docker")
        .args([
            "inspect",
            "--format",
            "{{index .Config.Labels \"reload-check\"}}",
        ])
        .arg(nginx.trim())
        .output()
        .expect("docker inspect");
    assert_eq!(String::from_utf8_lossy(&label.stdout).trim(), "overlay");

    // Overlay, broken YAML: reported, nothing touched.
    let before = scratch.container_ids();
    scratch.edit(overlay, |text| text + "services: [unclosed\n");
    let lines = watch.wait_for("stack reload failed", QUICK);
    assert!(
        lines.iter().any(|l| l.contains("docker compose config")),
        "the failing validation is named: {lines:#?}"
    );
    assert_eq!(scratch.container_ids(), before, "nothing was recreated");
    let body = index(&http, &scratch).expect("GET / still answers");
    assert_eq!(body["message"], "changed by env");
    rows.all_exercised();
}

/// Runs SQL as the superuser in the scratch stack's postgres container.
fn psql(scratch: &Scratch, sql: &str) -> String {
    scratch
        .compose_ok(&[
            "exec", "-T", "postgres", "psql", "-U", "postgres", "-d", "app", "-tAc", sql,
        ])
        .trim()
        .to_string()
}

fn migrations_reach_the_running_database(scratch: &Scratch, watch: &mut Watch, http: &Http) {
    const MIGRATIONS: Duration = Duration::from_secs(120);
    let applied = "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations";
    assert_eq!(
        psql(scratch, applied),
        "1",
        "`up` applied V1 before the app"
    );

    std::fs::write(
        scratch.path("compose/db/migrations/V2__stack_test_tag.sql"),
        "ALTER TABLE items ADD COLUMN stack_test_tag TEXT;\n",
    )
    .expect("write a migration");
    let lines = watch.wait_for("db reload applied", MIGRATIONS);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("applied V2__stack_test_tag.sql")),
        "the runner's lines are on the timeline: {lines:#?}"
    );
    assert_eq!(psql(scratch, applied), "1,2");
    assert_eq!(
        psql(
            scratch,
            "SELECT count(*) FROM information_schema.columns \
             WHERE table_name = 'items' AND column_name = 'stack_test_tag'"
        ),
        "1",
        "the new column is in the running database"
    );

    let before = scratch.container_ids();
    scratch.edit("compose/db/migrations/V1__items.sql", |text| {
        text + "\n-- edited after it was applied\n"
    });
    let lines = watch.wait_for("db reload failed", MIGRATIONS);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("V1__items.sql") && l.contains("edited")),
        "the refusal names the file: {lines:#?}"
    );
    let listed = http
        .get(&scratch.url("/api/items"))
        .expect("GET /api/items");
    assert_eq!(listed.status, 200, "the app keeps serving: {listed:?}");
    assert_eq!(scratch.container_ids(), before, "nothing was restarted");
    assert_eq!(psql(scratch, applied), "1,2", "nothing more was applied");

    scratch.edit("compose/db/migrations/V1__items.sql", |text| {
        text.replace("\n-- edited after it was applied\n", "")
    });
    watch.wait_for("db reload applied", MIGRATIONS);
}
