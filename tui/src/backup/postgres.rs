//! Postgres: `pg_dump --format=custom` and `pg_restore` inside the container, as its superuser
//! over the local socket (trusted there, so no password is handled), with the dump streamed
//! through the Engine API.

use super::exec::Container;
use anyhow::Context;
use bollard::Docker;
use bollard::query_parameters::InspectContainerOptions;
use std::path::Path;

pub struct Postgres {
    pub container: Container,
    user: String,
    pub database: String,
}

impl Postgres {
    /// The superuser and database from the container's environment (`POSTGRES_USER`,
    /// `POSTGRES_DB`), as the image's entrypoint made them.
    pub async fn new(docker: &Docker, container: Container) -> anyhow::Result<Self> {
        let env = docker
            .inspect_container(&container.id, None::<InspectContainerOptions>)
            .await
            .with_context(|| format!("cannot inspect {}", container.name))?
            .config
            .and_then(|c| c.env)
            .unwrap_or_default();
        let var = |name: &str| {
            env.iter()
                .find_map(|e| e.strip_prefix(&format!("{name}=")).map(str::to_owned))
        };
        let user = var("POSTGRES_USER").unwrap_or_else(|| "postgres".to_string());
        let database = var("POSTGRES_DB").unwrap_or_else(|| user.clone());
        Ok(Self {
            container,
            user,
            database,
        })
    }

    /// One value from `psql -tAc`.
    pub async fn value(&self, docker: &Docker, sql: &str) -> anyhow::Result<String> {
        let command = [
            "psql",
            "-X",
            "-U",
            &self.user,
            "-d",
            &self.database,
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            sql,
        ];
        Ok(self
            .container
            .run(docker, &command)
            .await?
            .trim()
            .to_string())
    }

    /// `SHOW server_version`, e.g. `15.14`.
    pub async fn version(&self, docker: &Docker) -> anyhow::Result<String> {
        self.value(docker, "SHOW server_version").await
    }

    /// A consistent dump (one snapshot) of the app's database into `out`.
    pub async fn dump(&self, docker: &Docker, out: &Path) -> anyhow::Result<()> {
        let command = [
            "pg_dump",
            "--format=custom",
            "--no-password",
            "-U",
            &self.user,
            "-d",
            &self.database,
        ];
        self.container.run_to_file(docker, &command, out).await
    }

    /// Replaces the database's objects with the dump's, in one transaction: a failure leaves
    /// the data as it was.
    pub async fn restore(&self, docker: &Docker, dump: &Path) -> anyhow::Result<()> {
        let command = [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            "-U",
            &self.user,
            "-d",
            &self.database,
        ];
        self.container
            .run_with_input(docker, &command, dump)
            .await
            .map(|_| ())
    }

    /// Tables in the database's `public` schema, to say what a restore brought back.
    pub async fn tables(&self, docker: &Docker) -> anyhow::Result<u64> {
        let sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'";
        let count = self.value(docker, sql).await?;
        count
            .parse()
            .with_context(|| format!("psql answered {count:?} for a count"))
    }
}
