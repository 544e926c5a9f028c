//! The `items` lock of the postgres-lock drill: a psql session inside the Postgres container
//! takes `ACCESS EXCLUSIVE` and sleeps; the heal ends that session. The session also ends by
//! itself after `LOCK_SELF_LIMIT`, so even a drill killed outright cannot leave it behind.

use super::psql::Psql;
use anyhow::bail;
use std::time::{Duration, Instant};

/// The session's `application_name`, which is how the heal finds it.
const SESSION: &str = "stack-tui-drill-lock";
/// How long the session sleeps while holding the lock if nobody ends it.
const LOCK_SELF_LIMIT: Duration = Duration::from_secs(120);
/// The lock must be granted within this (it waits for statements already running on `items`).
const GRANTED_WITHIN: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(100);

/// Starts the locking session and returns once Postgres has granted the lock.
pub async fn take(psql: &Psql<'_>) -> anyhow::Result<()> {
    psql.spawn(&format!(
        "SET application_name = '{SESSION}'; BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; \
         SELECT pg_sleep({}); COMMIT;",
        LOCK_SELF_LIMIT.as_secs()
    ))
    .await?;
    let deadline = Instant::now() + GRANTED_WITHIN;
    while !held(psql).await? {
        if Instant::now() >= deadline {
            release(psql).await?;
            bail!(
                "Postgres did not grant the lock on items within {} s",
                GRANTED_WITHIN.as_secs()
            );
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

/// Whether the drill's session holds the lock now.
async fn held(psql: &Psql<'_>) -> anyhow::Result<bool> {
    let rows = psql
        .query(&format!(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE a.application_name = '{SESSION}' AND l.relation = 'items'::regclass \
             AND l.mode = 'AccessExclusiveLock' AND l.granted"
        ))
        .await?;
    Ok(rows.trim() != "0")
}

/// The statement that ends the drill's session (and with it the lock).
pub fn release_sql() -> String {
    format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE application_name = '{SESSION}'"
    )
}

/// Ends the session and checks that the lock is gone.
pub async fn release(psql: &Psql<'_>) -> anyhow::Result<()> {
    psql.query(&release_sql()).await?;
    let deadline = Instant::now() + GRANTED_WITHIN;
    while held(psql).await? {
        if Instant::now() >= deadline {
            bail!("the drill's session still holds the lock on items");
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}
