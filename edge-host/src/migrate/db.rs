//! The database side of a run: connect as the app role, take the advisory lock that keeps two
//! runners apart, read `schema_migrations`, and apply one migration through refinery (its own
//! transaction: the SQL and its history row commit together or not at all).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use refinery::{AsyncMigrate, Migration, Runner, Target};
use tokio_postgres::error::{DbError, ErrorPosition};
use tokio_postgres::{Client, NoTls};

use super::files::MigrationFile;
use super::plan::AppliedRow;

/// The history table (refinery's default would be `refinery_schema_history`).
pub const TABLE: &str = "schema_migrations";

/// Session advisory-lock key shared by every runner of this schema ("stkmigr" in ASCII).
pub const LOCK_KEY: i64 = 0x0073_746b_6d69_6772;

/// How long one statement of a migration waits for a table lock before it fails; a migration
/// stuck behind a long transaction fails with Postgres's message instead of hanging `up`.
const LOCK_TIMEOUT: &str = "10s";

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub database: String,
    pub password: Option<String>,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

/// Connects, retrying refused or unreachable connections until `timeout` (the server may still
/// be starting); a refused login fails at once with the server's reason.
pub async fn connect(target: &Endpoint, timeout: Duration) -> anyhow::Result<Client> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&target.host)
        .port(target.port)
        .user(&target.user)
        .dbname(&target.database)
        .application_name("edge-host migrate")
        .connect_timeout(timeout.min(Duration::from_secs(5)));
    if let Some(password) = &target.password {
        config.password(password);
    }
    let deadline = Instant::now() + timeout;
    loop {
        let attempt = tokio::time::timeout(
            deadline.saturating_duration_since(Instant::now()),
            config.connect(NoTls),
        )
        .await;
        let error = match attempt {
            Ok(Ok((client, connection))) => {
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        eprintln!("migrate: connection to Postgres ended: {e}");
                    }
                });
                return Ok(client);
            }
            Ok(Err(e)) => e,
            Err(_) => bail!(
                "cannot connect to {target} within {} ms",
                timeout.as_millis()
            ),
        };
        if let Some(db) = error.as_db_error() {
            bail!("{target} refused the login: {}", db_message(db, None));
        }
        if Instant::now() >= deadline {
            bail!(
                "cannot connect to {target} within {} ms: {error}",
                timeout.as_millis()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Takes the runners' advisory lock (held until the session ends), waiting at most `wait`.
pub async fn lock(client: &Client, wait: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + wait;
    let mut announced = false;
    loop {
        let row = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .context("taking the migration lock")?;
        if row
            .try_get::<_, bool>(0)
            .context("reading the lock result")?
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!(
                "another migration run holds the lock (pg_advisory_lock {LOCK_KEY}) and did not \
                 finish within {} ms; nothing was applied",
                wait.as_millis()
            );
        }
        if !announced {
            println!("migrate: waiting for another migration run to finish");
            announced = true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Session settings every migration runs under; notices such as refinery's "schema_migrations
/// already exists, skipping" on every run stay out of the output.
pub async fn prepare_session(client: &Client) -> anyhow::Result<()> {
    client
        .batch_execute(&format!(
            "SET lock_timeout = '{LOCK_TIMEOUT}'; SET client_min_messages = warning"
        ))
        .await
        .context("setting lock_timeout")
}

/// Creates `schema_migrations` as refinery defines it, so that a role without the right to
/// create tables is told so before any migration is attempted.
pub async fn ensure_table(client: &Client) -> anyhow::Result<()> {
    let create = <Client as AsyncMigrate>::assert_migrations_table_query(TABLE);
    match client.batch_execute(&create).await {
        Ok(()) => Ok(()),
        Err(e) => match e.as_db_error() {
            Some(db) => bail!(
                "cannot create {TABLE}: {}{}",
                db_message(db, None),
                permission_hint(db)
            ),
            None => Err(e).context("creating schema_migrations"),
        },
    }
}

/// The rows of `schema_migrations`; none when the table does not exist yet.
pub async fn applied(client: &Client) -> anyhow::Result<Vec<AppliedRow>> {
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&TABLE])
        .await
        .context("looking for schema_migrations")?
        .try_get(0)?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            &format!("SELECT version, name, applied_on, checksum FROM {TABLE} ORDER BY version"),
            &[],
        )
        .await
        .context("reading schema_migrations")?;
    rows.iter()
        .map(|row| {
            let checksum: String = row.try_get(3)?;
            Ok(AppliedRow {
                version: row.try_get(0)?,
                name: row.try_get(1)?,
                applied_on: row.try_get(2)?,
                checksum: checksum.parse().with_context(|| {
                    format!("schema_migrations holds a checksum that is not a number: {checksum:?}")
                })?,
            })
        })
        .collect()
}

/// Applies every migration up to and including `file` that is not applied yet (the caller has
/// made sure that is `file` alone), in its own transaction.
pub async fn apply(
    client: &mut Client,
    all: &[Migration],
    file: &MigrationFile,
) -> anyhow::Result<()> {
    let mut runner = Runner::new(all)
        .set_abort_divergent(true)
        .set_abort_missing(true)
        .set_grouped(false)
        .set_target(Target::Version(file.version));
    runner.set_migration_table_name(TABLE);
    let result = runner.run_async(client).await;
    let Err(error) = result else {
        return Ok(());
    };
    let postgres = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<tokio_postgres::Error>());
    match postgres.and_then(tokio_postgres::Error::as_db_error) {
        Some(db) => bail!(
            "{} failed and was rolled back: {}{}",
            file.file_name,
            db_message(db, file.migration.sql()),
            permission_hint(db)
        ),
        None => bail!("{} failed and was rolled back: {error:#}", file.file_name),
    }
}

/// Postgres's own words: severity, SQLSTATE, message, and where they exist detail, hint and the
/// line of the migration the error points at.
fn db_message(db: &DbError, sql: Option<&str>) -> String {
    let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    if let (Some(ErrorPosition::Original(position)), Some(sql)) = (db.position(), sql) {
        let offset = usize::try_from(*position)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        let line = 1 + sql.chars().take(offset).filter(|c| *c == '\n').count();
        text.push_str(&format!(" (line {line})"));
    }
    if let Some(detail) = db.detail() {
        text.push_str(&format!("; detail: {detail}"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!("; hint: {hint}"));
    }
    text
}

/// Data volumes initialised before the stack had migrations did not let the app role create
/// tables, and their tables belong to the superuser; say how to fix that rather than leave a
/// bare "permission denied".
fn permission_hint(db: &DbError) -> &'static str {
    if db.code() != &tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE {
        ""
    } else if db.message().contains("schema public") {
        ". The role may not create tables: a data volume made before migrations existed needs \
         `GRANT CREATE ON SCHEMA public TO app` and `ALTER TABLE items OWNER TO app` as the \
         superuser (or start over with `down -v`, which deletes the data)"
    } else if db.message().starts_with("must be owner of") {
        ". The object belongs to another role (a data volume made before migrations existed): \
         give it to the role migrations run as, e.g. `ALTER TABLE items OWNER TO app`, as the \
         superuser"
    } else {
        ""
    }
}
