//! psql inside the Postgres container, as the superuser over the local socket (the image's
//! `POSTGRES_USER`): the drills read state and take locks with it without any password.

use anyhow::{Context, bail};
use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::InspectContainerOptions;
use futures_util::StreamExt;

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
        run_inside(self.docker, &self.container, self.command(sql)).await
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

/// Runs `command` inside `container` and returns its standard output; a non-zero exit is an
/// error carrying its standard error.
pub async fn run_inside(
    docker: &Docker,
    container: &str,
    command: Vec<String>,
) -> anyhow::Result<String> {
    let program = command.first().cloned().unwrap_or_default();
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(command),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .with_context(|| format!("cannot exec {program} in {container}"))?;
    let mut out = String::new();
    let mut err = String::new();
    if let StartExecResults::Attached { mut output, .. } = docker.start_exec(&exec.id, None).await?
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
    let code = docker.inspect_exec(&exec.id).await?.exit_code;
    if code != Some(0) {
        bail!("{program} in {container} failed ({code:?}): {}", err.trim());
    }
    Ok(out)
}
