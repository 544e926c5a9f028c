//! psql inside the Postgres container, as the superuser over the local socket (the image's
//! `POSTGRES_USER`): the drills read state and take locks with it without any password.

use anyhow::Context;
use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecOptions};
use bollard::query_parameters::InspectContainerOptions;

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

    /// The command line that runs `sql` (for the engine, and for a person to copy).
    pub fn command(&self, sql: &str) -> Vec<String> {
        vec![
            "psql".to_string(),
            "-U".into(),
            self.user.clone(),
            "-d".into(),
            self.database.clone(),
            "-v".into(),
            "ON_ERROR_STOP=1".into(),
            "-tAc".into(),
            sql.to_string(),
        ]
    }

    /// The command line that runs a psql `script` (several statements, psql's own
    /// meta-commands) fed on a here-document, for when a file inside the container must be read
    /// by psql itself.
    pub fn script_command(&self, script: &str) -> Vec<String> {
        vec![
            "sh".to_string(),
            "-c".into(),
            format!("psql -X -q -v ON_ERROR_STOP=1 -U \"$1\" -d \"$2\" <<'SQL'\n{script}SQL\n"),
            "sh".into(),
            self.user.clone(),
            self.database.clone(),
        ]
    }

    pub fn container(&self) -> &str {
        &self.container
    }

    /// Starts `sql` and returns at once; the session runs on inside the container.
    pub async fn spawn(&self, sql: &str) -> anyhow::Result<()> {
        let exec = self
            .docker
            .create_exec(
                &self.container,
                CreateExecOptions {
                    cmd: Some(self.command(sql)),
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("cannot exec psql in {}", self.container))?;
        self.docker
            .start_exec(
                &exec.id,
                Some(StartExecOptions {
                    detach: true,
                    ..Default::default()
                }),
            )
            .await
            .with_context(|| format!("cannot start psql in {}", self.container))?;
        Ok(())
    }

    /// Runs one statement; returns its rows, one per line, unaligned.
    pub async fn query(&self, sql: &str) -> anyhow::Result<String> {
        let command = self.command(sql);
        let command: Vec<&str> = command.iter().map(String::as_str).collect();
        crate::docker::exec::output(self.docker, &self.container, &self.container, &command).await
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
