//! `backup` and `restore FOLDER`: the profile's Postgres database and Redis data into a dated,
//! private folder with a manifest, and back into a running profile (checked first, confirmed on
//! prod, then the app's readiness checked through nginx).

use super::lifecycle::Confirmation;
use crate::backup::{data_services, folder, ready};
use crate::docker::connect;
use anyhow::{Context, bail};
use stack_core::app::services::format_bytes;
use stack_core::backup::manifest::{FORMAT, POSTGRES_FILE, REDIS_FILE};
use stack_core::backup::{
    DEFAULT_DIR, Manifest, PostgresPart, RedisPart, check_postgres, check_redis, folder_name,
};
use stack_core::model::{Layout, is_protected};
use std::path::{Path, PathBuf};

pub async fn backup(layout: &Layout, profile: &str, out: Option<PathBuf>) -> anyhow::Result<()> {
    let profile = layout.profile(profile)?;
    let docker = connect().await?;
    let (postgres, redis) = data_services(&docker, &profile).await?;
    let postgres_version = postgres.version(&docker).await?;
    let redis_version = redis.version(&docker).await?;
    // Whole seconds: the folder's name has no more.
    let created = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0);
    let dir = out
        .unwrap_or_else(|| layout.root.join(DEFAULT_DIR))
        .join(folder_name(&profile.name, created));
    folder::create_private_dir(&dir)?;
    let written = async {
        eprintln!(
            "dumping Postgres database {} of {}…",
            postgres.database, profile.project
        );
        postgres.dump(&docker, &dir.join(POSTGRES_FILE)).await?;
        eprintln!("saving and copying Redis of {}…", profile.project);
        let saved = redis.backup(&docker, &dir.join(REDIS_FILE)).await?;
        let manifest = Manifest {
            format: FORMAT,
            tool: format!("stack-tui {}", env!("CARGO_PKG_VERSION")),
            profile: profile.name.clone(),
            project: profile.project.clone(),
            created,
            postgres: PostgresPart {
                image: postgres.container.image.clone(),
                version: postgres_version,
                database: postgres.database.clone(),
            },
            redis: RedisPart {
                image: redis.container.image.clone(),
                version: redis_version,
                persistence: saved.persistence,
                path: saved.path,
                keys: saved.keys,
            },
            files: vec![
                folder::describe(&dir, POSTGRES_FILE).await?,
                folder::describe(&dir, REDIS_FILE).await?,
            ],
        };
        manifest.validate()?;
        folder::write_manifest(&dir, &manifest).await?;
        anyhow::Ok(manifest)
    }
    .await;
    let manifest = match written {
        Ok(manifest) => manifest,
        Err(err) => {
            // No half-written backup is left to be mistaken for one.
            let _ = std::fs::remove_dir_all(&dir);
            return Err(err.context(format!("backup of {} failed", profile.project)));
        }
    };
    print!("{}", summary(&dir, &manifest));
    Ok(())
}

/// What a backup folder holds, one line per file.
fn summary(dir: &Path, manifest: &Manifest) -> String {
    let size = |name: &str| format_bytes(manifest.file(name).map_or(0, |f| f.bytes));
    format!(
        "backup of {} (project {}) written to {} ({} in all):\n  \
         {POSTGRES_FILE:<14}{:>9}  Postgres {}, database {} (pg_dump custom format)\n  \
         {REDIS_FILE:<14}{:>9}  Redis {}, {} ({}), {}\n  \
         manifest.json             profile, time, images, sizes and sha256 of each file\n",
        manifest.profile,
        manifest.project,
        dir.display(),
        format_bytes(manifest.total_bytes()),
        size(POSTGRES_FILE),
        manifest.postgres.version,
        manifest.postgres.database,
        size(REDIS_FILE),
        manifest.redis.version,
        manifest.redis.persistence.as_str(),
        manifest.redis.path,
        count(manifest.redis.keys, "key"),
    )
}

pub async fn restore(
    layout: &Layout,
    profile: &str,
    dir: &Path,
    confirmation: Confirmation,
) -> anyhow::Result<()> {
    let profile = layout.profile(profile)?;
    // Everything is checked before anything is touched.
    let manifest = folder::open(dir).await?;
    let docker = connect().await?;
    let (postgres, redis) = data_services(&docker, &profile).await?;
    check_postgres(
        &manifest.postgres.version,
        &postgres.version(&docker).await?,
    )?;
    check_redis(&manifest.redis.version, &redis.version(&docker).await?)?;
    let running = redis.persistence(&docker).await?.kind();
    if running != manifest.redis.persistence {
        bail!(
            "the backup holds Redis' {} but {} loads its {} at start (appendonly in \
             compose/redis/redis.conf). Fix: restore into a stack with the same Redis persistence",
            manifest.redis.persistence.as_str(),
            redis.container.name,
            running.as_str()
        );
    }
    let endpoint = crate::docker::endpoint::current()?;
    if confirmation == Confirmation::Ask && (is_protected(&profile.name) || endpoint.is_remote()) {
        let place = if endpoint.is_remote() {
            format!(" on {}", endpoint.describe())
        } else {
            String::new()
        };
        super::confirm::type_profile_name(
            &format!(
                "restore replaces the data of {}{place} (its Postgres database and Redis)",
                profile.project
            ),
            &profile.name,
            &format!("{} is untouched", profile.project),
        )?;
    }

    eprintln!(
        "restoring Postgres database {} of {} from {POSTGRES_FILE}…",
        postgres.database, profile.project
    );
    postgres
        .restore(&docker, &dir.join(POSTGRES_FILE))
        .await
        .context("the Postgres restore failed and was rolled back: the database is as it was")?;
    let tables = postgres.tables(&docker).await?;
    eprintln!(
        "restoring Redis of {} from {REDIS_FILE} (restarts it)…",
        profile.project
    );
    let keys = redis
        .restore(&docker, &dir.join(REDIS_FILE), &manifest.redis.path)
        .await
        .context("the Redis restore failed (Postgres was restored)")?;
    let readiness = if endpoint.is_remote() {
        format!(
            "readiness not checked: nginx of a remote daemon ({}) is not on this machine's loopback",
            endpoint.describe()
        )
    } else {
        let stack = crate::drill::Stack::find(profile.clone()).await?;
        let took = ready::wait_ready(&stack.site).await?;
        format!(
            "app ready: {}/health/ready answered 200 after {:.1} s",
            stack.site.origin,
            took.as_secs_f64()
        )
    };
    println!(
        "restored {} (project {}) from {}, a backup of {} taken {}:\n  \
         Postgres: database {}, {}, from {POSTGRES_FILE} (made by Postgres {})\n  \
         Redis: {} from the {} in {REDIS_FILE} (made by Redis {})\n  {readiness}",
        profile.name,
        profile.project,
        dir.display(),
        manifest.project,
        manifest.created.format("%Y-%m-%d %H:%M:%S UTC"),
        postgres.database,
        count(tables, "table"),
        manifest.postgres.version,
        count(keys, "key"),
        manifest.redis.persistence.as_str(),
        manifest.redis.version,
    );
    Ok(())
}

/// `1 key`, `3 keys`.
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
