//! `edge-host serve`: wire the engine, the served application, the listeners and the triggers.

mod access_log;
mod admin;
mod body;
mod handler;
mod request_id;
mod server;
mod spin_headers;
mod triggers;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::host::{KeyValueBackend, Shared, SqliteDatabases, build_linker};
use crate::metrics::Metrics;
use crate::runtime::cache::ComponentCache;
use crate::runtime::engine::{Limits, build_engine, start_epoch_ticker};
use crate::runtime::loader::{LoadContext, host_name, source_paths};
use crate::runtime::swap::Served;
use crate::runtime_config::RuntimeConfig;

pub struct ServeOptions {
    pub manifest: PathBuf,
    pub listen: SocketAddr,
    pub admin: Option<SocketAddr>,
    /// The read-only metrics listener (GET /metrics only), for scrapers that must not reload.
    pub metrics: Option<SocketAddr>,
    /// Local state (SQLite files); `None` means `.spin` beside the manifest.
    pub state_dir: Option<PathBuf>,
    pub limits: Limits,
    pub drain: Duration,
    pub watch: bool,
    pub runtime_config: RuntimeConfig,
}

pub async fn run(opts: ServeOptions) -> anyhow::Result<()> {
    let engine = build_engine(&opts.limits)
        .map_err(anyhow::Error::from)
        .context("cannot configure wasmtime")?;
    start_epoch_ticker(&engine);
    let linker = Arc::new(
        build_linker(&engine)
            .map_err(anyhow::Error::from)
            .context("cannot set up the linker")?,
    );
    let metrics = Arc::new(Metrics::new());
    let key_value = KeyValueBackend::from_config(
        &opts.runtime_config.key_value_stores,
        opts.limits.outbound_timeout,
    )
    .map_err(anyhow::Error::msg)?;
    tracing::info!(stores = %key_value.describe().join(" "), "key-value stores");
    let state_dir = opts
        .state_dir
        .clone()
        .unwrap_or_else(|| default_state_dir(&opts.manifest));
    let sqlite =
        SqliteDatabases::spin_default_and(&state_dir, opts.runtime_config.sqlite_databases.clone());
    let ctx = LoadContext {
        manifest: opts.manifest.clone(),
        engine,
        linker,
        cache: ComponentCache::from_env(),
        hostname: host_name(),
        key_value_labels: opts.runtime_config.key_value_labels(),
        sqlite_labels: opts.runtime_config.sqlite_labels(),
    };
    let shared = Arc::new(
        Shared::new(
            key_value,
            metrics.clone(),
            opts.limits.outbound_timeout,
            opts.limits.query_timeout,
        )
        .with_pg_pool_size(opts.limits.pg_pool_size)
        .with_sqlite(sqlite),
    );
    let start_metrics = metrics.clone();
    let served = tokio::task::spawn_blocking(move || Served::start(ctx, start_metrics))
        .await
        .context("startup task failed")??;
    let served = Arc::new(served);

    let listener = TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let admin_listener = match opts.admin {
        Some(addr) => {
            let l = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on admin address {addr}"))?;
            tracing::info!(addr = %l.local_addr()?, "admin listener (metrics, reload)");
            Some(l)
        }
        None => None,
    };
    let metrics_listener = match opts.metrics {
        Some(addr) => {
            let l = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on metrics address {addr}"))?;
            tracing::info!(addr = %l.local_addr()?, "metrics listener (read-only)");
            Some(l)
        }
        None => None,
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let (reload_tx, reload_rx) = mpsc::channel(1);
    triggers::watch_sighup(reload_tx.clone()).context("cannot install SIGHUP handler")?;
    let _watcher = if opts.watch {
        let mut files = source_paths(&served.current().app);
        files.push(opts.manifest.clone());
        match triggers::watch_files(&files, reload_tx.clone()) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(
                    "file watch unavailable, reload with SIGHUP or the admin endpoint: {e}"
                );
                None
            }
        }
    } else {
        None
    };
    let reloads = tokio::spawn(triggers::run_reloads(
        served.clone(),
        reload_rx,
        stop_rx.clone(),
    ));

    let mut tasks = Vec::new();
    if let Some(l) = admin_listener {
        let (served, metrics) = (served.clone(), metrics.clone());
        let handler = move |req, _client| admin::handle(req, served.clone(), metrics.clone());
        tasks.push(tokio::spawn(server::serve(
            "admin",
            l,
            handler,
            stop_rx.clone(),
            opts.drain,
        )));
    }
    if let Some(l) = metrics_listener {
        let metrics = metrics.clone();
        let handler = move |req, _client| admin::handle_metrics_only(req, metrics.clone());
        tasks.push(tokio::spawn(server::serve(
            "metrics",
            l,
            handler,
            stop_rx.clone(),
            opts.drain,
        )));
    }
    let app_handler = Arc::new(handler::Handler {
        served: served.clone(),
        shared,
        limits: opts.limits.clone(),
        access_log: access_log::AccessLog::start(),
    });
    let handler = move |req, client| app_handler.clone().handle(req, client);
    tasks.push(tokio::spawn(server::serve(
        "app", listener, handler, stop_rx, opts.drain,
    )));

    triggers::termination().await;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    let _ = reloads.await;
    tracing::info!("stopped");
    Ok(())
}

/// `.spin` beside the manifest, as Spin keeps an application's local state.
pub fn default_state_dir(manifest: &Path) -> PathBuf {
    let dir = manifest.parent().filter(|d| !d.as_os_str().is_empty());
    dir.unwrap_or_else(|| Path::new(".")).join(".spin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_dir_defaults_to_dot_spin_beside_the_manifest() {
        assert_eq!(
            default_state_dir(Path::new("/srv/app/spin.toml")),
            Path::new("/srv/app/.spin")
        );
        assert_eq!(
            default_state_dir(Path::new("spin.toml")),
            Path::new("./.spin")
        );
    }
}
