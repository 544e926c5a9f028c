//! Redis: a save the server makes itself (`BGREWRITEAOF` with the stack's `appendonly yes`,
//! `BGSAVE` without it), waited for through `INFO persistence`, and its files copied out with
//! the Engine API's archive download while client writes are paused, so the copy is one moment.
//! A restore stages the files in the data volume, swaps them in with persistence off, and
//! restarts the container, which loads them at start as it always does.

use super::exec::Container;
use anyhow::{Context, bail};
use bollard::Docker;
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, InspectContainerOptions, RestartContainerOptionsBuilder,
    UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;
use stack_core::backup::RedisPersistence;
use stack_core::backup::redis_info::{Persistence, Progress, keyspace_keys, parse};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// The password file compose mounts (`redis_password` secret); redis-cli reads it through
/// REDISCLI_AUTH, so it is in no argument.
const CLI: &str =
    "REDISCLI_AUTH=\"$(cat /run/secrets/redis_password)\" redis-cli -h 127.0.0.1 \"$@\"";
/// How long a save may take before the backup gives up.
const SAVE_LIMIT: Duration = Duration::from_secs(300);
/// Client writes stay paused at most this long if the copy never ends (the pause lifts itself).
const PAUSE_MS: &str = "60000";
/// How long Redis may take to load its data and answer its healthcheck after a restore.
const HEALTHY_LIMIT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(100);
/// Next to the data in Redis' `dir`, on the same volume, so the swap is a rename.
const STAGING: &str = ".stack-tui-restore";
/// What the replaced files are called until the restored ones have loaded.
const BEFORE_SUFFIX: &str = ".before-restore";

pub struct Redis {
    pub container: Container,
}

/// What a backup saved.
pub struct Saved {
    pub persistence: RedisPersistence,
    pub path: String,
    pub keys: u64,
}

impl Redis {
    /// One redis-cli command; an error reply is an error.
    pub async fn cli(&self, docker: &Docker, args: &[&str]) -> anyhow::Result<String> {
        let mut command = vec!["sh", "-c", CLI, "redis-cli"];
        command.extend_from_slice(args);
        let reply = self.container.run(docker, &command).await?;
        let first = reply.lines().next().unwrap_or_default();
        let errors = [
            "ERR",
            "(error)",
            "NOAUTH",
            "WRONGPASS",
            "NOPERM",
            "LOADING",
            "MISCONF",
        ];
        if errors.iter().any(|prefix| first.starts_with(prefix)) {
            bail!(
                "redis-cli {} in {}: {}",
                args.join(" "),
                self.container.name,
                reply.trim()
            );
        }
        Ok(reply)
    }

    /// A `CONFIG GET` value (redis-cli prints the name, then the value).
    async fn config(&self, docker: &Docker, name: &str) -> anyhow::Result<String> {
        let reply = self.cli(docker, &["CONFIG", "GET", name]).await?;
        Ok(reply.lines().nth(1).unwrap_or_default().trim().to_string())
    }

    pub async fn persistence(&self, docker: &Docker) -> anyhow::Result<Persistence> {
        let text = self.cli(docker, &["INFO", "persistence"]).await?;
        Persistence::from_info(&text)
            .map_err(|err| anyhow::anyhow!("{}: {err}", self.container.name))
    }

    /// `redis_version` from `INFO server`.
    pub async fn version(&self, docker: &Docker) -> anyhow::Result<String> {
        let info = parse(&self.cli(docker, &["INFO", "server"]).await?);
        info.get("redis_version")
            .map(|v| v.trim().to_string())
            .with_context(|| format!("{}: INFO server has no redis_version", self.container.name))
    }

    /// Keys in all databases.
    pub async fn keys(&self, docker: &Docker) -> anyhow::Result<u64> {
        Ok(keyspace_keys(
            &self.cli(docker, &["INFO", "keyspace"]).await?,
        ))
    }

    /// Redis' `dir` and the name of what it loads at start there: the AOF folder
    /// (`appenddirname`; Redis 6 has one file, `appendfilename`) or the RDB file.
    async fn location(
        &self,
        docker: &Docker,
        persistence: RedisPersistence,
    ) -> anyhow::Result<(String, String)> {
        let dir = self.config(docker, "dir").await?;
        let name = match persistence {
            RedisPersistence::Aof => match self.config(docker, "appenddirname").await? {
                name if name.is_empty() => self.config(docker, "appendfilename").await?,
                name => name,
            },
            RedisPersistence::Rdb => self.config(docker, "dbfilename").await?,
        };
        if dir.is_empty() || name.is_empty() {
            bail!(
                "{} does not say where it keeps its data (CONFIG GET dir)",
                self.container.name
            );
        }
        Ok((dir, name))
    }

    /// Saves and copies the server's persistence files into `out` (a tar).
    pub async fn backup(&self, docker: &Docker, out: &Path) -> anyhow::Result<Saved> {
        let before = self.idle(docker).await?;
        let persistence = before.kind();
        let command = match persistence {
            RedisPersistence::Aof => "BGREWRITEAOF",
            RedisPersistence::Rdb => "BGSAVE",
        };
        self.cli(docker, &[command]).await?;
        let started = Instant::now();
        loop {
            match self
                .persistence(docker)
                .await?
                .progress(&before, persistence)
            {
                Progress::Done => break,
                Progress::Failed(why) => {
                    bail!("{command} in {} failed: {why}", self.container.name)
                }
                Progress::Running if started.elapsed() > SAVE_LIMIT => bail!(
                    "{command} in {} has not finished after {} s",
                    self.container.name,
                    SAVE_LIMIT.as_secs()
                ),
                Progress::Running => tokio::time::sleep(POLL).await,
            }
        }
        let (dir, name) = self.location(docker, persistence).await?;
        // The AOF's last part grows with every write; paused, the copy is one moment.
        self.cli(docker, &["CLIENT", "PAUSE", PAUSE_MS, "WRITE"])
            .await?;
        let copied = async {
            let keys = self.keys(docker).await?;
            self.download(docker, &format!("{dir}/{name}"), out).await?;
            anyhow::Ok(keys)
        }
        .await;
        let unpaused = self.cli(docker, &["CLIENT", "UNPAUSE"]).await;
        let keys = copied?;
        unpaused?;
        Ok(Saved {
            persistence,
            path: name,
            keys,
        })
    }

    /// Waits until no save runs (one already running would be counted as ours); returns the
    /// counters as they are then.
    async fn idle(&self, docker: &Docker) -> anyhow::Result<Persistence> {
        let started = Instant::now();
        loop {
            let now = self.persistence(docker).await?;
            if !(now.aof_rewrite_in_progress
                || now.aof_rewrite_scheduled
                || now.rdb_bgsave_in_progress)
            {
                return Ok(now);
            }
            if started.elapsed() > SAVE_LIMIT {
                bail!(
                    "{} is busy saving for more than {} s",
                    self.container.name,
                    SAVE_LIMIT.as_secs()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The Engine API's tar of `path` in the container, into `out` (0600).
    async fn download(&self, docker: &Docker, path: &str, out: &Path) -> anyhow::Result<()> {
        let options = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = docker.download_from_container(&self.container.id, Some(options));
        let mut file = super::folder::create_private_file(out).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk
                .with_context(|| format!("cannot copy {path} out of {}", self.container.name))?;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all()
            .await
            .with_context(|| format!("cannot write {}", out.display()))
    }

    /// Puts the archive's `saved` entry in place of the server's own files and restarts it;
    /// returns the keys it holds after loading them.
    pub async fn restore(
        &self,
        docker: &Docker,
        archive: &Path,
        saved: &str,
    ) -> anyhow::Result<u64> {
        let persistence = self.persistence(docker).await?.kind();
        let (dir, name) = self.location(docker, persistence).await?;
        let staging = format!("{dir}/{STAGING}");
        let live = format!("{dir}/{name}");
        let before = format!("{live}{BEFORE_SUFFIX}");
        let shell = |script: &str, args: &[&str]| {
            let mut command = vec!["sh", "-c", script, "sh"];
            command.extend_from_slice(args);
            command.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        let run = |command: Vec<String>| async move {
            let parts: Vec<&str> = command.iter().map(String::as_str).collect();
            self.container.run(docker, &parts).await
        };
        run(shell("rm -rf \"$1\" && mkdir \"$1\"", &[&staging])).await?;
        let tar = tokio::fs::read(archive)
            .await
            .with_context(|| format!("cannot read {}", archive.display()))?;
        // The archive keeps the owner Redis wrote the files with (the engine applies it as is).
        let options = UploadToContainerOptionsBuilder::default()
            .path(&staging)
            .build();
        docker
            .upload_to_container(
                &self.container.id,
                Some(options),
                bollard::body_full(tar.into()),
            )
            .await
            .with_context(|| format!("cannot copy the backup into {}", self.container.name))?;
        let staged = format!("{staging}/{saved}");
        run(shell("test -e \"$1\"", &[&staged]))
            .await
            .with_context(|| format!("the archive holds no {saved}"))?;

        // Persistence off while the files change under the server: no rewrite writes into the
        // new folder and no shutdown save overwrites the new RDB file. The restart reads the
        // configuration file again, which turns them back on.
        let save = self.config(docker, "save").await?;
        self.cli(docker, &["CONFIG", "SET", "save", ""]).await?;
        if persistence == RedisPersistence::Aof {
            self.cli(docker, &["CONFIG", "SET", "appendonly", "no"])
                .await?;
        }
        let swap = "set -e; rm -rf \"$3\"; if [ -e \"$2\" ]; then mv \"$2\" \"$3\"; fi; mv \"$1\" \"$2\"; rmdir \"$4\"";
        if let Err(err) = run(shell(swap, &[&staged, &live, &before, &staging])).await {
            // Nothing was replaced: the server goes on as it was.
            let _ = self.cli(docker, &["CONFIG", "SET", "save", &save]).await;
            if persistence == RedisPersistence::Aof {
                let _ = self
                    .cli(docker, &["CONFIG", "SET", "appendonly", "yes"])
                    .await;
            }
            return Err(err.context("cannot put the backup in place of Redis' files"));
        }
        let options = RestartContainerOptionsBuilder::default().t(10).build();
        docker
            .restart_container(&self.container.id, Some(options))
            .await
            .with_context(|| format!("cannot restart {}", self.container.name))?;
        self.wait_healthy(docker).await.with_context(|| {
            format!(
                "Redis did not come back with the restored files; the ones it had are in its data \
                 volume as {before}"
            )
        })?;
        run(shell("rm -rf \"$1\"", &[&before])).await?;
        self.keys(docker).await
    }

    /// Until the container's healthcheck passes again after the restart.
    async fn wait_healthy(&self, docker: &Docker) -> anyhow::Result<()> {
        use bollard::models::HealthStatusEnum;
        let started = Instant::now();
        loop {
            let state = docker
                .inspect_container(&self.container.id, None::<InspectContainerOptions>)
                .await?
                .state
                .unwrap_or_default();
            let health = state.health.and_then(|h| h.status);
            match health {
                Some(HealthStatusEnum::HEALTHY) => return Ok(()),
                // No healthcheck: running is all there is to wait for.
                None | Some(HealthStatusEnum::NONE | HealthStatusEnum::EMPTY)
                    if state.running == Some(true) && self.keys(docker).await.is_ok() =>
                {
                    return Ok(());
                }
                _ => {}
            }
            if started.elapsed() > HEALTHY_LIMIT {
                bail!(
                    "{} is not healthy {} s after its restart (`stack-tui logs redis` says why)",
                    self.container.name,
                    HEALTHY_LIMIT.as_secs()
                );
            }
            tokio::time::sleep(POLL * 2).await;
        }
    }
}
