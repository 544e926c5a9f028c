//! A throwaway PostgreSQL 15 cluster on a free port, with the app schema and a least-privilege
//! `app` role.
//!
//! We run as root and postgres refuses to, so the cluster belongs to the `postgres` user:
//! `initdb` runs through `runuser -u postgres --`, and the server is exec'd directly with that
//! user's uid/gid so the Drop guard signals the postmaster itself (runuser would stay in between).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{free_port, repo_root, wait_until};

const BIN: &str = "/usr/lib/postgresql/15/bin";
pub const SUPERUSER_PASSWORD: &str = "super-secret";
pub const APP_PASSWORD: &str = "app-secret";

pub struct PgServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn id_of(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("`id` runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the postgres user exists (Debian package postgresql)")
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl PgServer {
    /// Creates the cluster, starts it, creates database `app` with the schema from
    /// `compose/db/migrations/V*__*.sql` (version order) and the `app` role.
    pub fn start() -> PgServer {
        let server = PgServer::start_without_schema();
        for file in schema_files() {
            server.apply_file("app", &file);
        }
        server.grant_rows_to_app();
        server
    }

    /// Like [`PgServer::start`] but with an empty database `app`, where the `app` role may
    /// create tables, as the stack's init script sets it up for `edge-host migrate`.
    pub fn start_without_schema() -> PgServer {
        let dir = tempfile::tempdir().expect("temp dir for postgres");
        let pw = dir.path().join("pw");
        std::fs::write(&pw, SUPERUSER_PASSWORD).expect("write password file");
        run(
            Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(dir.path()),
            "chown cluster dir",
        );
        run(
            Command::new("runuser")
                .args(["-u", "postgres", "--", &format!("{BIN}/initdb")])
                .arg("-D")
                .arg(dir.path().join("data"))
                .args(["-U", "postgres", "-E", "UTF8", "--no-sync"])
                .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
                .arg(format!("--pwfile={}", pw.display())),
            "initdb",
        );
        let mut server = PgServer {
            port: free_port(),
            dir,
            child: None,
        };
        server.resume();
        server.create_app_database();
        server
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts (again) on the same port and waits until it accepts queries.
    pub fn resume(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log file");
        let child = Command::new(format!("{BIN}/postgres"))
            .arg("-D")
            .arg(self.data_dir())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                self.dir.path().display()
            ))
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .uid(id_of("-u"))
            .gid(id_of("-g"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("postgres 15 is installed");
        self.child = Some(child);
        let ready = wait_until(Duration::from_secs(30), || {
            self.psql_status("postgres", "SELECT 1")
        });
        assert!(ready, "postgres did not start: {}", self.server_log());
    }

    /// Immediate shutdown (SIGQUIT), as if the server died.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-QUIT", &child.id().to_string()])
                .status();
            if !wait_until(Duration::from_secs(10), || {
                matches!(child.try_wait(), Ok(Some(_)))
            }) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }

    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn psql_cmd(&self, db: &str) -> Command {
        let mut cmd = Command::new("psql");
        cmd.args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
        ])
        .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db])
        .env("PGPASSWORD", SUPERUSER_PASSWORD)
        .env("PGCONNECT_TIMEOUT", "2");
        cmd
    }

    fn psql_status(&self, db: &str, sql: &str) -> bool {
        self.psql_cmd(db)
            .args(["-c", sql])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts psql running `sql` as the superuser and returns without waiting (to hold a lock,
    /// for example); the caller kills or waits for the child.
    pub fn psql_in_background(&self, db: &str, sql: &str) -> std::process::Child {
        self.psql_cmd(db)
            .args(["-c", sql])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("psql runs")
    }

    /// Runs SQL as the superuser and returns psql's unaligned output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        run(self.psql_cmd(db).args(["-c", sql]), &format!("psql {sql}"))
    }

    pub fn apply_file(&self, db: &str, file: &Path) {
        run(
            self.psql_cmd(db).arg("-f").arg(file),
            &format!("apply {}", file.display()),
        );
    }

    fn create_app_database(&self) {
        self.psql(
            "postgres",
            &format!("CREATE ROLE app LOGIN PASSWORD '{APP_PASSWORD}'"),
        );
        self.psql("postgres", "CREATE DATABASE app");
        self.psql(
            "app",
            "REVOKE ALL ON DATABASE app FROM PUBLIC; \
             GRANT CONNECT ON DATABASE app TO app; \
             REVOKE CREATE ON SCHEMA public FROM PUBLIC; \
             GRANT USAGE, CREATE ON SCHEMA public TO app;",
        );
    }

    /// Rows of whatever the superuser created (the schema applied by [`PgServer::start`]).
    fn grant_rows_to_app(&self) {
        self.psql(
            "app",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app; \
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app;",
        );
    }

    /// The libpq key=value address the app opens.
    pub fn app_address(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=app password={APP_PASSWORD} dbname=app",
            self.port
        )
    }
}

/// The stack's migrations, `compose/db/migrations/V<n>__<name>.sql`, in version order (none is
/// fine: the cluster then has an empty schema).
pub fn schema_files() -> Vec<PathBuf> {
    let dir = repo_root().join("compose").join("db").join("migrations");
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter_map(|path| Some((migration_version(&path)?, path)))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.into_iter().map(|(_, path)| path).collect()
}

/// `7` for `V7__name.sql`.
fn migration_version(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let (version, _) = name
        .strip_prefix('V')?
        .strip_suffix(".sql")?
        .split_once("__")?;
    version.parse().ok()
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}
