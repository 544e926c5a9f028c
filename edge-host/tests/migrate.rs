//! `edge-host migrate` against a real PostgreSQL 15 on 127.0.0.1: the stack's own migrations on
//! an empty database, a new one on top of kept data, and every history it must refuse.

mod support;

use std::time::Duration;

use support::edge_host::run_cli;
use support::postgres::{APP_PASSWORD, PgServer, schema_files};
use support::wait_until;

/// A scratch migrations folder and the password file, as the migrate service gets them.
struct Run {
    dir: tempfile::TempDir,
    port: u16,
}

impl Run {
    fn new(pg: &PgServer) -> Run {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("migrations")).expect("migrations dir");
        // A trailing newline, as `echo` writes it: not part of the password.
        std::fs::write(dir.path().join("pw"), format!("{APP_PASSWORD}\n")).expect("password");
        Run { dir, port: pg.port }
    }

    fn file(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join("migrations").join(name)
    }

    fn write(&self, name: &str, sql: &str) {
        std::fs::write(self.file(name), sql).expect("write migration");
    }

    /// (success, stdout, stderr) of `edge-host migrate` with `extra` flags.
    fn migrate(&self, extra: &[&str]) -> (bool, String, String) {
        let dir = self.dir.path().join("migrations");
        let password = self.dir.path().join("pw");
        let port = self.port.to_string();
        let mut args = vec![
            "migrate",
            "--dir",
            dir.to_str().expect("utf-8 path"),
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--user",
            "app",
            "--database",
            "app",
            "--password-file",
            password.to_str().expect("utf-8 path"),
            "--connect-timeout-ms",
            "5000",
        ];
        args.extend_from_slice(extra);
        run_cli(&args, &[])
    }
}

fn repo_v1() -> std::path::PathBuf {
    let files = schema_files();
    let v1 = files.first().expect("compose/db/migrations has V1");
    assert!(v1.ends_with("V1__items.sql"), "{v1:?}");
    v1.clone()
}

#[test]
fn migrations_apply_in_order_keep_data_and_refuse_a_changed_history() {
    let pg = PgServer::start_without_schema();
    let run = Run::new(&pg);
    std::fs::copy(repo_v1(), run.file("V1__items.sql")).expect("copy V1");

    // An empty database gets the stack's schema, owned by the role that ran it.
    let (ok, out, err) = run.migrate(&[]);
    assert!(ok, "first run: {out}{err}");
    assert!(out.contains("migrate: applied V1__items.sql"), "{out}");
    assert_eq!(
        pg.psql(
            "app",
            "SELECT tableowner FROM pg_tables WHERE tablename = 'items'"
        )
        .trim(),
        "app"
    );
    pg.psql("app", "INSERT INTO items (name) VALUES ('kept')");

    // A new migration applies on top; the row stays.
    run.write("V2__tags.sql", "ALTER TABLE items ADD COLUMN tag TEXT;\n");
    let (ok, out, err) = run.migrate(&[]);
    assert!(ok, "V2: {out}{err}");
    assert!(out.contains("migrate: applied V2__tags.sql"), "{out}");
    assert!(!out.contains("applied V1__items.sql"), "{out}");
    assert!(out.contains("1 applied now, 1 already applied"), "{out}");
    assert_eq!(pg.psql("app", "SELECT name FROM items").trim(), "kept");
    assert_eq!(
        pg.psql(
            "app",
            "SELECT string_agg(version::text || name, ',' ORDER BY version) FROM schema_migrations"
        )
        .trim(),
        "1items,2tags"
    );
    let (ok, out, _) = run.migrate(&[]);
    assert!(
        ok && out.contains("0 applied now, 2 already applied"),
        "{out}"
    );

    // An applied file that was edited is refused by name, and nothing runs.
    let original = std::fs::read_to_string(run.file("V1__items.sql")).expect("read V1");
    run.write(
        "V1__items.sql",
        &format!("{original}\n-- an afterthought\n"),
    );
    run.write("V3__more.sql", "CREATE TABLE more_things (id int);");
    let (ok, out, err) = run.migrate(&[]);
    assert!(!ok, "an edited applied file must be refused: {out}{err}");
    assert!(
        err.contains("V1__items.sql") && err.contains("edited"),
        "{err}"
    );
    assert_eq!(
        pg.psql("app", "SELECT to_regclass('more_things') IS NULL")
            .trim(),
        "t",
        "nothing after the refusal ran"
    );
    run.write("V1__items.sql", &original);
    std::fs::remove_file(run.file("V3__more.sql")).expect("remove V3");

    // A failing migration rolls back its own transaction and exits non-zero with Postgres's
    // message; the ones before it stay.
    run.write(
        "V3__broken.sql",
        "ALTER TABLE items ADD COLUMN broken INT;\nSELECT no_such_column FROM items;\n",
    );
    let (ok, out, err) = run.migrate(&[]);
    assert!(!ok, "a failing migration fails the run: {out}{err}");
    assert!(
        err.contains("V3__broken.sql") && err.contains("column \"no_such_column\" does not exist"),
        "{err}"
    );
    assert!(err.contains("line 2"), "the failing line is named: {err}");
    assert_eq!(
        pg.psql(
            "app",
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'broken'"
        )
        .trim(),
        "0",
        "the failed migration's change was rolled back"
    );
    assert_eq!(
        pg.psql("app", "SELECT max(version) FROM schema_migrations")
            .trim(),
        "2"
    );
    std::fs::remove_file(run.file("V3__broken.sql")).expect("remove V3");

    // A new file numbered below the last applied one is refused.
    run.write("V4__four.sql", "ALTER TABLE items ADD COLUMN four INT;");
    let (ok, out, err) = run.migrate(&[]);
    assert!(ok, "V4: {out}{err}");
    run.write("V3__late.sql", "ALTER TABLE items ADD COLUMN late INT;");
    let (ok, out, err) = run.migrate(&[]);
    assert!(!ok, "out of order: {out}{err}");
    assert!(
        err.contains("V3__late.sql") && err.contains("below V4"),
        "{err}"
    );
    std::fs::remove_file(run.file("V3__late.sql")).expect("remove V3");

    // An applied file that is gone is refused, naming it.
    std::fs::remove_file(run.file("V2__tags.sql")).expect("remove V2");
    let (ok, _, err) = run.migrate(&[]);
    assert!(
        !ok && err.contains("V2__tags.sql") && err.contains("missing"),
        "{err}"
    );
    run.write("V2__tags.sql", "ALTER TABLE items ADD COLUMN tag TEXT;\n");

    // A dry run lists the history and what is pending, and applies nothing.
    run.write("V5__five.sql", "ALTER TABLE items ADD COLUMN five INT;");
    let (ok, out, err) = run.migrate(&["--dry-run"]);
    assert!(ok, "dry run: {out}{err}");
    assert!(out.contains("applied V4__four.sql on"), "{out}");
    assert!(out.contains("pending V5__five.sql"), "{out}");
    assert_eq!(
        pg.psql("app", "SELECT max(version) FROM schema_migrations")
            .trim(),
        "4"
    );
}

#[test]
fn a_second_runner_waits_for_the_lock_and_gives_up_without_applying() {
    let pg = PgServer::start_without_schema();
    let run = Run::new(&pg);
    run.write("V1__one.sql", "CREATE TABLE one (id int);");
    let key = edge_host::migrate::LOCK_KEY;
    let mut holder = pg.psql_in_background(
        "app",
        &format!("SELECT pg_advisory_lock({key}), pg_sleep(60)"),
    );
    let held = wait_until(Duration::from_secs(10), || {
        pg.psql(
            "app",
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
        )
        .trim()
            == "1"
    });
    assert!(held, "the other runner holds the lock");
    let (ok, out, err) = run.migrate(&["--lock-wait-ms", "300"]);
    // Ending the holder's session releases its lock (killing psql alone would leave the server
    // sleeping until it next writes to the client).
    pg.psql(
        "app",
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted",
    );
    let _ = holder.wait();
    assert!(!ok, "{out}{err}");
    assert!(out.contains("waiting for another migration run"), "{out}");
    assert!(
        err.contains("another migration run holds the lock"),
        "{err}"
    );
    assert_eq!(
        pg.psql("app", "SELECT to_regclass('one') IS NULL").trim(),
        "t"
    );
    // Once the holder is gone, the same run goes through.
    let (ok, out, err) = run.migrate(&[]);
    assert!(ok && out.contains("applied V1__one.sql"), "{out}{err}");
}

#[test]
fn a_bad_folder_is_refused_before_any_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("V2_tags.sql"), "SELECT 1;").expect("write");
    let folder = dir.path().to_str().expect("utf-8");
    // Port 1 has nothing listening: reaching the database would be a different error.
    let (ok, out, err) = run_cli(
        &[
            "migrate",
            "--dir",
            folder,
            "--host",
            "127.0.0.1",
            "--port",
            "1",
        ],
        &[],
    );
    assert!(!ok, "{out}{err}");
    assert!(
        err.contains("V2_tags.sql: not a migration file name"),
        "{err}"
    );
    let (ok, _, err) = run_cli(&["migrate", "--dir", "/nonexistent/migrations"], &[]);
    assert!(!ok && err.contains("/nonexistent/migrations"), "{err}");
}

#[test]
fn a_volume_from_before_migrations_is_told_how_to_let_the_role_migrate() {
    // The schema as the init scripts used to make it: tables of the superuser, rows for the app.
    let pg = PgServer::start();
    pg.psql("app", "REVOKE CREATE ON SCHEMA public FROM app");
    let run = Run::new(&pg);
    std::fs::copy(repo_v1(), run.file("V1__items.sql")).expect("copy V1");

    let (ok, _, err) = run.migrate(&[]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("permission denied for schema public")
            && err.contains("GRANT CREATE ON SCHEMA public TO app"),
        "{err}"
    );
    pg.psql("app", "GRANT CREATE ON SCHEMA public TO app");
    let (ok, _, err) = run.migrate(&[]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("must be owner of table items")
            && err.contains("ALTER TABLE items OWNER TO app"),
        "{err}"
    );
    // With both done, V1 finds its table and records itself.
    pg.psql("app", "ALTER TABLE items OWNER TO app");
    let (ok, out, err) = run.migrate(&[]);
    assert!(ok && out.contains("applied V1__items.sql"), "{out}{err}");
}
