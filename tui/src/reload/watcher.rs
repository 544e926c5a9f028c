//! Debounced filesystem watching of the project's parts, one [`Trigger`] per part per burst.

use super::burst::merge_bursts;
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use stack_core::protocol::reload::Trigger;
use stack_core::reload::{ChangeKind, ProjectLayout};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    Changed(Trigger),
    /// The OS watcher failed (e.g. inotify limits); watching may be incomplete.
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(
        "nothing to watch under {0}: none of edge-app/, proxy-config/, env/, compose/, local/, dev/, prod/ exists"
    )]
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
    merger: tokio::task::JoinHandle<()>,
    watched: Vec<PathBuf>,
}

impl Drop for ProjectWatcher {
    fn drop(&mut self) {
        self.merger.abort();
    }
}

/// How long a file must be quiet before its burst of changes is reported: long enough to coalesce
/// an editor's save (temp file, rename, chmod: a few milliseconds), short enough that it is a
/// small part of the edit loop (it and the burst merge add 100–200 ms before a build starts). A
/// longer burst (a `git checkout`) is merged by `burst::merge_bursts`, and a build it starts too
/// early is cancelled by the next trigger.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

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
        let (batches, raw) = mpsc::channel(CHANNEL_CAPACITY);
        let handler = move |result: DebounceEventResult| {
            for event in events_from(&layout, result) {
                // The receiver is gone only when the watcher is being dropped.
                if batches.blocking_send(event).is_err() {
                    return;
                }
            }
        };
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let merger = tokio::spawn(merge_bursts(raw, sender, debounce));
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
            merger,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use tokio::time::timeout;

    struct TempProject(PathBuf);

    impl TempProject {
        fn new(name: &str) -> Self {
            let root =
                std::env::temp_dir().join(format!("stack-tui-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(root.join("proxy-config")).expect("create proxy-config");
            std::fs::create_dir_all(root.join("edge-app/src")).expect("create edge-app");
            std::fs::write(root.join("proxy-config/nginx.conf"), "events {}\n").expect("write");
            Self(root)
        }
    }

    impl Drop for TempProject {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Everything the watcher reports until it has been quiet for a second.
    async fn drain(receiver: &mut mpsc::Receiver<WatchEvent>) -> Vec<WatchEvent> {
        let mut events = Vec::new();
        let mut wait = Duration::from_secs(5);
        while let Ok(Some(event)) = timeout(wait, receiver.recv()).await {
            events.push(event);
            wait = Duration::from_secs(1);
        }
        events
    }

    fn proxy_trigger(root: &Path) -> WatchEvent {
        WatchEvent::Changed(Trigger {
            kind: ChangeKind::Proxy,
            paths: vec![root.join("proxy-config/nginx.conf")],
        })
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_burst_of_fifty_writes_is_one_trigger() {
        let project = TempProject::new("burst");
        let layout = ProjectLayout::new(&project.0);
        let (_watcher, mut receiver) =
            ProjectWatcher::start(layout, DEFAULT_DEBOUNCE).expect("watcher starts");
        let conf = project.0.join("proxy-config/nginx.conf");
        for i in 0..50 {
            std::fs::write(&conf, format!("events {{}}\n# save {i}\n")).expect("write");
        }
        assert_eq!(drain(&mut receiver).await, vec![proxy_trigger(&project.0)]);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_atomic_save_is_one_trigger_for_the_target() {
        let project = TempProject::new("atomic");
        let layout = ProjectLayout::new(&project.0);
        let (_watcher, mut receiver) =
            ProjectWatcher::start(layout, Duration::from_millis(200)).expect("watcher starts");
        let temp = project.0.join("proxy-config/nginx.conf.tmp");
        std::fs::write(&temp, "events {}\n# atomically saved\n").expect("write temp");
        std::fs::rename(&temp, project.0.join("proxy-config/nginx.conf")).expect("rename");
        assert_eq!(drain(&mut receiver).await, vec![proxy_trigger(&project.0)]);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn changes_to_two_parts_are_two_triggers_and_noise_is_none() {
        let project = TempProject::new("parts");
        let layout = ProjectLayout::new(&project.0);
        let (_watcher, mut receiver) =
            ProjectWatcher::start(layout, Duration::from_millis(200)).expect("watcher starts");
        std::fs::write(project.0.join("edge-app/src/.lib.rs.swp"), "swap").expect("write swap");
        std::fs::write(project.0.join("edge-app/src/lib.rs"), "// app\n").expect("write app");
        std::fs::write(project.0.join("proxy-config/nginx.conf"), "events {}\n").expect("write");
        let mut events = drain(&mut receiver).await;
        events.sort_by_key(|event| format!("{event:?}"));
        let app = WatchEvent::Changed(Trigger {
            kind: ChangeKind::App,
            paths: vec![project.0.join("edge-app/src/lib.rs")],
        });
        assert_eq!(events, vec![app, proxy_trigger(&project.0)]);
    }

    #[test]
    fn a_root_without_watched_parts_is_an_error_naming_it() {
        let root = std::env::temp_dir().join(format!("stack-tui-empty-{}", std::process::id()));
        std::fs::create_dir_all(&root).expect("create root");
        let error = ProjectWatcher::start(ProjectLayout::new(&root), DEFAULT_DEBOUNCE)
            .err()
            .expect("nothing to watch");
        assert!(error.to_string().contains(&root.display().to_string()));
        let _ = std::fs::remove_dir_all(&root);
    }
}
