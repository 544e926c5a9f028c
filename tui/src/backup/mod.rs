//! Backups of a profile's data, and restores of them: the Postgres dump and the Redis
//! persistence files streamed through the Engine API into a private folder on this machine,
//! described by a manifest (stack-core's `backup`), and put back. `commands::backup` says what
//! happens on the terminal.

pub mod exec;
pub mod folder;
pub mod postgres;
pub mod ready;
pub mod redis;

use crate::docker::project_snapshots;
use anyhow::bail;
use bollard::Docker;
use exec::Container;
use postgres::Postgres;
use redis::Redis;
use stack_core::model::Profile;

/// The running Postgres and Redis of a profile; an error names what is missing and the fix.
pub async fn data_services(
    docker: &Docker,
    profile: &Profile,
) -> anyhow::Result<(Postgres, Redis)> {
    let containers = project_snapshots(docker, &profile.project).await?;
    let find = |service: &str| {
        containers
            .iter()
            .find(|c| c.service == service && c.is_running())
            .map(|c| Container {
                id: c.id.clone(),
                name: c.name.clone(),
                image: c.image.clone(),
            })
    };
    let (Some(postgres), Some(redis)) = (find("postgres"), find("redis")) else {
        bail!(
            "profile {} has no running postgres and redis (project {}). Fix: bring it up with \
             `stack-tui --profile {} up --detach`",
            profile.name,
            profile.project,
            profile.name
        );
    };
    Ok((
        Postgres::new(docker, postgres).await?,
        Redis { container: redis },
    ))
}
