//! Reading the durability drill's writes back from Postgres itself (psql inside its container,
//! as the superuser over the local socket), not through the app: reads by id may be answered
//! from the Redis cache, which would hide a lost row.

use super::load::WriteAttempt;
use anyhow::{Context, bail};
use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::query_parameters::InspectContainerOptions;
use futures_util::StreamExt;
use stack_core::drill::Writes;
use std::collections::HashSet;

/// How many lost names a report lists.
const LOST_SAMPLE: usize = 10;

/// psql in the Postgres container, as the user and database its environment names.
pub struct Psql<'a> {
    docker: &'a Docker,
    container: String,
    user: String,
    database: String,
}

impl<'a> Psql<'a> {
    pub async fn new(docker: &'a Docker, container: &str) -> anyhow::Result<Self> {
        let env = docker
            .inspect_container(container, None::<InspectContainerOptions>)
            .await
            .with_context(|| format!("cannot inspect {container}"))?
            .config
            .and_then(|c| c.env)
            .unwrap_or_default();
        let var = |name: &str, default: &str| {
            env.iter()
                .find_map(|e| e.strip_prefix(&format!("{name}=")).map(str::to_owned))
                .unwrap_or_else(|| default.to_string())
        };
        Ok(Self {
            docker,
            container: container.to_string(),
            user: var("POSTGRES_USER", "postgres"),
            database: var("POSTGRES_DB", "postgres"),
        })
    }

    /// Runs one statement; returns its rows, one per line, unaligned.
    pub async fn query(&self, sql: &str) -> anyhow::Result<String> {
        let command = vec![
            "psql".to_string(),
            "-U".into(),
            self.user.clone(),
            "-d".into(),
            self.database.clone(),
            "-v".into(),
            "ON_ERROR_STOP=1".into(),
            "-tAc".into(),
            sql.to_string(),
        ];
        let exec = self
            .docker
            .create_exec(
                &self.container,
                CreateExecOptions {
                    cmd: Some(command),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("cannot exec psql in {}", self.container))?;
        let mut out = String::new();
        let mut err = String::new();
        if let StartExecResults::Attached { mut output, .. } =
            self.docker.start_exec(&exec.id, None).await?
        {
            while let Some(chunk) = output.next().await {
                match chunk? {
                    bollard::container::LogOutput::StdErr { message } => {
                        err.push_str(&String::from_utf8_lossy(&message));
                    }
                    other => out.push_str(&other.to_string()),
                }
            }
        }
        let code = self.docker.inspect_exec(&exec.id).await?.exit_code;
        if code != Some(0) {
            bail!(
                "psql in {} failed ({code:?}): {}",
                self.container,
                err.trim()
            );
        }
        Ok(out)
    }

    /// `SHOW name`, trimmed.
    pub async fn show(&self, setting: &str) -> anyhow::Result<String> {
        Ok(self
            .query(&format!("SHOW {setting}"))
            .await?
            .trim()
            .to_string())
    }
}

/// Item names the drill writes are `<tag>-<n>`; the tag goes into SQL, so only these characters.
pub fn safe_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Compares the writes with the rows named `<tag>-…` in `items`.
pub async fn read_back(
    psql: &Psql<'_>,
    tag: &str,
    attempts: &[WriteAttempt],
) -> anyhow::Result<Writes> {
    if !safe_tag(tag) {
        bail!("drill tag {tag:?} is not a plain name");
    }
    let rows = psql
        .query(&format!("SELECT name FROM items WHERE name LIKE '{tag}-%'"))
        .await?;
    let present: HashSet<&str> = rows.lines().map(str::trim).collect();
    Ok(compare(
        attempts,
        &present,
        psql.show("fsync").await?,
        psql.show("synchronous_commit").await?,
    ))
}

/// Removes the drill's rows, so drills leave no data behind.
pub async fn remove(psql: &Psql<'_>, tag: &str) -> anyhow::Result<()> {
    if !safe_tag(tag) {
        bail!("drill tag {tag:?} is not a plain name");
    }
    psql.query(&format!("DELETE FROM items WHERE name LIKE '{tag}-%'"))
        .await?;
    Ok(())
}

fn compare(
    attempts: &[WriteAttempt],
    present: &HashSet<&str>,
    fsync: String,
    synchronous_commit: String,
) -> Writes {
    let lost: Vec<&WriteAttempt> = attempts
        .iter()
        .filter(|a| a.acknowledged && !present.contains(a.name.as_str()))
        .collect();
    Writes {
        attempted: attempts.len() as u64,
        acknowledged: attempts.iter().filter(|a| a.acknowledged).count() as u64,
        lost: lost.len() as u64,
        unacknowledged_present: attempts
            .iter()
            .filter(|a| !a.acknowledged && present.contains(a.name.as_str()))
            .count() as u64,
        lost_sample: lost
            .iter()
            .take(LOST_SAMPLE)
            .map(|a| a.name.clone())
            .collect(),
        fsync,
        synchronous_commit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(name: &str, acknowledged: bool) -> WriteAttempt {
        WriteAttempt {
            name: name.into(),
            acknowledged,
        }
    }

    #[test]
    fn lost_means_acknowledged_and_missing() {
        let attempts = [
            attempt("t-0", true),
            attempt("t-1", true),
            attempt("t-2", false),
            attempt("t-3", false),
        ];
        let present = HashSet::from(["t-0", "t-2"]);
        let writes = compare(&attempts, &present, "on".into(), "on".into());
        assert_eq!(writes.attempted, 4);
        assert_eq!(writes.acknowledged, 2);
        assert_eq!(writes.lost, 1);
        assert_eq!(writes.lost_sample, ["t-1"]);
        assert_eq!(writes.unacknowledged_present, 1);
    }

    #[test]
    fn tags_with_quotes_never_reach_sql() {
        assert!(safe_tag("drill-1733-42-r1"));
        assert!(!safe_tag("x' OR '1'='1"));
        assert!(!safe_tag(""));
    }
}
