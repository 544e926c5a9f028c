//! Schema migrations (compose/db/migrations): the profile's one-shot migrations service runs once
//! more on its own (`docker compose run --rm --no-deps -T migrate`) against the running database.
//! The app is not touched: a refused or failing migration leaves it serving as it was, and the
//! step fails with the runner's own lines.

use super::{StepContext, tail};
use stack_core::model::MIGRATIONS_ROLE;

/// The runner's progress lines start with this (edge-host migrate).
const RUNNER_PREFIX: &str = "migrate: ";

impl StepContext {
    pub(super) async fn run_migrations(&self) -> Result<String, String> {
        let model = self.compose.model().await.map_err(|err| err.to_string())?;
        let service = model.service_with_role(MIGRATIONS_ROLE).ok_or_else(|| {
            format!(
                "the profile has no migrations service (one labelled stack-tui.role: \
                 {MIGRATIONS_ROLE}), so nothing can apply the migrations"
            )
        })?;
        let run = self
            .compose
            .run_one_shot(service)
            .await
            .map_err(|err| err.to_string())?;
        if run.success {
            Ok(summary(&run.stdout))
        } else {
            Err(tail(&format!("{}\n{}", run.stdout, run.stderr)))
        }
    }
}

/// The runner's lines after its first (which names the folder and database), joined into one:
/// "applied V2__tags.sql in 14 ms; 1 applied now, 1 already applied; schema at V2".
fn summary(stdout: &str) -> String {
    let lines: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix(RUNNER_PREFIX))
        .skip(1)
        .collect();
    if lines.is_empty() {
        "migrations ran".to_string()
    } else {
        lines.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_the_runners_lines_after_the_first() {
        let stdout = "migrate: 2 file(s) in /migrations, database app@postgres:5432/app\n\
                      migrate: applied V2__tags.sql in 14 ms\n\
                      migrate: 1 applied now, 1 already applied; schema at V2\n";
        assert_eq!(
            summary(stdout),
            "applied V2__tags.sql in 14 ms; 1 applied now, 1 already applied; schema at V2"
        );
        assert_eq!(summary(""), "migrations ran");
    }
}
