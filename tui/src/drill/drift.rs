//! The secret-drift drill: the app role's password in Postgres stops matching the secret the
//! app logs in with (what a second checkout or a deleted `env/secrets/` does over an existing
//! volume), and the app's sessions are ended so that its pool has to log in again. The heal
//! sets the password back from the container's own copy of the secret, the way the init script
//! set it first: psql reads the file itself, so the value never appears in an argument.

use super::psql::Psql;
use crate::docker::app_probe;
use anyhow::Context;
use bollard::Docker;
use stack_core::secrets::{Login, SECRET_CHECKS, SecretCheck};
use std::time::{Duration, Instant};

/// How often the app's replicas are probed for readiness while the drift lasts.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The secret the app's role logs in with, as the secret checks name it.
pub fn app_login() -> anyhow::Result<(&'static str, SecretCheck)> {
    SECRET_CHECKS
        .iter()
        .find_map(|check| match check.login {
            Login::PostgresRole(role) => Some((role, *check)),
            _ => None,
        })
        .context("no secret check names the app's Postgres role")
}

/// Gives `role` a random password and ends its sessions.
pub async fn drift(psql: &Psql<'_>, role: &str) -> anyhow::Result<()> {
    psql.query(&format!(
        "DO $$ BEGIN EXECUTE format('ALTER ROLE %I PASSWORD %L', '{role}', \
         md5(random()::text || clock_timestamp()::text)); END $$"
    ))
    .await?;
    psql.query(&format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '{role}'"
    ))
    .await?;
    Ok(())
}

/// The psql script that sets `role`'s password from the secret file the Postgres container
/// mounts under /run/secrets.
pub fn rekey_script(role: &str, secret: &str) -> String {
    format!("\\set pw `cat /run/secrets/{secret}`\nALTER ROLE \"{role}\" PASSWORD :'pw';\n")
}

/// Probes every app replica until `until`; returns the first reason a replica gave for not
/// being ready, if any did.
pub async fn watch_readiness(
    docker: &Docker,
    replicas: &[(String, String)],
    until: Instant,
) -> Option<String> {
    let mut seen = None;
    while Instant::now() < until {
        for (id, name) in replicas {
            let readiness = app_probe::readiness(docker, id, name).await;
            if let Some(reason) = readiness.reason() {
                seen.get_or_insert_with(|| format!("{name}: {reason}"));
            }
        }
        if seen.is_some() {
            break;
        }
        tokio::time::sleep(PROBE_EVERY.min(until.saturating_duration_since(Instant::now()))).await;
    }
    // Keep the drift in for the rest of the hold, so the load sees it for its whole length.
    tokio::time::sleep_until(until.into()).await;
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_role_is_found_among_the_secret_checks() {
        let (role, check) = app_login().expect("a role");
        assert_eq!(role, "app");
        assert_eq!(check.secret, "db_password");
    }

    #[test]
    fn the_rekey_reads_the_file_inside_psql() {
        let script = rekey_script("app", "db_password");
        assert!(
            script.contains("`cat /run/secrets/db_password`"),
            "{script}"
        );
        assert!(
            script.contains("ALTER ROLE \"app\" PASSWORD :'pw'"),
            "{script}"
        );
    }
}
