//! Reading the durability drill's writes back from Postgres itself (psql inside its container,
//! as the superuser over the local socket), not through the app: reads by id may be answered
//! from the Redis cache, which would hide a lost row.

use super::load::WriteAttempt;
use super::psql::Psql;
use anyhow::bail;
use stack_core::drill::Writes;
use std::collections::HashSet;

/// How many lost names a report lists.
const LOST_SAMPLE: usize = 10;

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
