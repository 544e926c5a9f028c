//! What starts a reload besides the admin endpoint: SIGHUP, and a debounced watch of the
//! directories holding the component files and the manifest.
//!
//! The watch is on directories, not files, because deployments replace a component by writing a
//! temp file and renaming it over the old one (a new inode that a file watch would miss).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::{mpsc, watch};

use crate::runtime::swap::{ReloadTrigger, Served};

/// Quiet period after the last change before reloading. Components arrive by rename (one event),
/// so this only has to gather the manifest and component of one deployment.
const DEBOUNCE: Duration = Duration::from_millis(50);

pub type FileWatcher = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

/// Watches `files`; each burst of changes to any of them queues one reload.
pub fn watch_files(
    files: &[PathBuf],
    tx: mpsc::Sender<ReloadTrigger>,
) -> notify::Result<FileWatcher> {
    let names: BTreeSet<OsString> = files
        .iter()
        .filter_map(|f| f.file_name().map(OsString::from))
        .collect();
    let dirs: BTreeSet<PathBuf> = files
        .iter()
        .map(|f| {
            f.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf()
        })
        .collect();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        // Only changes count: opening and reading a file (the reload itself does) must not
        // trigger another reload.
        let relevant = events.iter().any(|event| {
            matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            ) && event
                .paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| names.contains(n)))
        });
        if relevant {
            // A full queue means a reload is already pending, which will see this change too.
            let _ = tx.try_send(ReloadTrigger::FileWatch);
        }
    })?;
    for dir in &dirs {
        debouncer.watch(dir, RecursiveMode::NonRecursive)?;
        tracing::info!(dir = %dir.display(), "watching for component changes");
    }
    Ok(debouncer)
}

/// Forwards SIGHUP as a reload request.
pub fn watch_sighup(tx: mpsc::Sender<ReloadTrigger>) -> std::io::Result<()> {
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let _ = tx.try_send(ReloadTrigger::Sighup);
        }
    });
    Ok(())
}

/// Runs queued reloads one after another until shutdown.
pub async fn run_reloads(
    served: Arc<Served>,
    mut rx: mpsc::Receiver<ReloadTrigger>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        // The select only picks; awaiting the reload outside it keeps the future Send.
        let trigger = tokio::select! {
            trigger = rx.recv() => trigger,
            _ = shutdown.wait_for(|stop| *stop) => None,
        };
        let Some(trigger) = trigger else { break };
        let _ = served.reload(trigger).await;
    }
}

/// Resolves when SIGTERM or SIGINT arrives.
pub async fn termination() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install SIGTERM/SIGINT handlers; stop with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = int.recv() => tracing::info!("SIGINT received"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reading_a_watched_file_is_not_a_change_but_replacing_it_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("app.wasm");
        std::fs::write(&file, b"one").expect("write");
        let (tx, mut rx) = mpsc::channel(4);
        let _watcher = watch_files(std::slice::from_ref(&file), tx).expect("watch");
        for _ in 0..3 {
            std::fs::read(&file).expect("read");
        }
        let quiet = tokio::time::timeout(Duration::from_millis(800), rx.recv()).await;
        assert!(quiet.is_err(), "reads triggered a reload: {quiet:?}");
        let temp = dir.path().join(".app.wasm.tmp");
        std::fs::write(&temp, b"two").expect("write temp");
        std::fs::rename(&temp, &file).expect("rename");
        let changed = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(changed.ok().flatten(), Some(ReloadTrigger::FileWatch));
    }
}
