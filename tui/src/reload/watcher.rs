//! Debounced filesystem watching of the project's parts, one [`Trigger`] per part per burst.

use super::classify::{ChangeKind, ProjectLayout};
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// A burst of changes to one part of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub kind: ChangeKind,
    /// The changed files, sorted and without duplicates.
    pub paths: Vec<PathBuf>,
}

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    Changed(Trigger),
    /// The OS watcher failed (e.g. inotify limits); watching may be incomplete.
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("nothing to watch under {0}: none of edge-app/, proxy-config/, env/, compose/, local/, dev/, prod/ exists")]
    NothingToWatch(PathBuf),
    #[error("cannot start the file watcher: {0}")]
    Start(#[source] notify::Error),
    #[error("cannot watch {path}: {source}")]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
}

/// Watches the project until dropped.
pub struct ProjectWatcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    watched: Vec<PathBuf>,
}

/// How long a file must be quiet before its burst of changes is reported: long enough to coalesce
/// an editor's save (temp file, rename, chmod) and a `git checkout`, short enough to feel instant.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(250);

/// Pending events the consumer has not taken yet; the watcher thread waits when it is full.
const CHANNEL_CAPACITY: usize = 64;

impl ProjectWatcher {
    /// Starts watching `layout`'s parts; events arrive on the returned receiver.
    pub fn start(
        layout: ProjectLayout,
        debounce: Duration,
    ) -> Result<(Self, mpsc::Receiver<WatchEvent>), WatchError> {
        let watched = layout.watched_dirs();
        if watched.is_empty() {
            return Err(WatchError::NothingToWatch(layout.root().to_path_buf()));
        }
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let handler = move |result: DebounceEventResult| {
            for event in events_from(&layout, result) {
                // The receiver is gone only when the watcher is being dropped.
                if sender.blocking_send(event).is_err() {
                    return;
                }
            }
        };
        let mut debouncer = new_debouncer(debounce, None, handler).map_err(WatchError::Start)?;
        for dir in &watched {
            debouncer
                .watch(dir, RecursiveMode::Recursive)
                .map_err(|source| WatchError::Watch {
                    path: dir.clone(),
                    source,
                })?;
        }
        let watcher = Self {
            _debouncer: debouncer,
            watched,
        };
        Ok((watcher, receiver))
    }

    pub fn watched(&self) -> &[PathBuf] {
        &self.watched
    }
}

/// Groups one debounced batch into a trigger per part, dropping noise and read-only access.
fn events_from(layout: &ProjectLayout, result: DebounceEventResult) -> Vec<WatchEvent> {
    let events = match result {
        Ok(events) => events,
        Err(errors) => {
            let message = errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return vec![WatchEvent::Failed(message)];
        }
    };
    let mut by_kind: BTreeMap<ChangeKind, BTreeSet<PathBuf>> = BTreeMap::new();
    for event in events {
        if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
            continue;
        }
        for path in &event.paths {
            if let Some(kind) = layout.classify(path) {
                by_kind.entry(kind).or_default().insert(path.clone());
            }
        }
    }
    by_kind
        .into_iter()
        .map(|(kind, paths)| {
            WatchEvent::Changed(Trigger {
                kind,
                paths: paths.into_iter().collect(),
            })
        })
        .collect()
}
