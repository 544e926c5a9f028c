//! One trigger per burst of changes, even when the debouncer hands a burst over in two batches.

use super::watcher::WatchEvent;
use stack_core::protocol::reload::Trigger;
use stack_core::reload::ChangeKind;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};

/// notify-debouncer-full releases each event `debounce` after it happened, checking every quarter
/// of `debounce`; a burst that straddles one of those checks comes out as two batches one check
/// apart. Batches that follow each other within a check interval (plus scheduling slack) are the
/// same burst and become one trigger per part. A writer that never pauses is cut into pieces of
/// at most two `debounce`s, so triggers keep flowing (and the loop guard can see them).
pub async fn merge_bursts(
    mut batches: mpsc::Receiver<WatchEvent>,
    out: mpsc::Sender<WatchEvent>,
    debounce: Duration,
) {
    let gap = debounce / 4 + Duration::from_millis(50);
    while let Some(first) = batches.recv().await {
        let deadline = Instant::now() + debounce * 2;
        let mut burst = vec![first];
        while let Ok(Some(next)) =
            timeout_at(deadline.min(Instant::now() + gap), batches.recv()).await
        {
            burst.push(next);
        }
        for event in merge(burst) {
            if out.send(event).await.is_err() {
                return;
            }
        }
    }
}

/// One trigger per part with the union of its paths; failures pass through first.
fn merge(events: Vec<WatchEvent>) -> Vec<WatchEvent> {
    let mut by_kind: BTreeMap<ChangeKind, BTreeSet<PathBuf>> = BTreeMap::new();
    let mut merged = Vec::new();
    for event in events {
        match event {
            WatchEvent::Changed(trigger) => {
                by_kind
                    .entry(trigger.kind)
                    .or_default()
                    .extend(trigger.paths);
            }
            failed @ WatchEvent::Failed(_) => merged.push(failed),
        }
    }
    merged.extend(by_kind.into_iter().map(|(kind, paths)| {
        WatchEvent::Changed(Trigger {
            kind,
            paths: paths.into_iter().collect(),
        })
    }));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_of_one_burst_merge_into_one_trigger_per_part() {
        let trigger = |kind, path: &str| {
            WatchEvent::Changed(Trigger {
                kind,
                paths: vec![PathBuf::from(path)],
            })
        };
        let merged = merge(vec![
            trigger(ChangeKind::Proxy, "/p/proxy-config/a.conf"),
            trigger(ChangeKind::App, "/p/edge-app/src/lib.rs"),
            WatchEvent::Failed("inotify queue overflow".into()),
            trigger(ChangeKind::Proxy, "/p/proxy-config/a.conf"),
            trigger(ChangeKind::Proxy, "/p/proxy-config/b.conf"),
        ]);
        assert_eq!(
            merged,
            vec![
                WatchEvent::Failed("inotify queue overflow".into()),
                WatchEvent::Changed(Trigger {
                    kind: ChangeKind::App,
                    paths: vec![PathBuf::from("/p/edge-app/src/lib.rs")],
                }),
                WatchEvent::Changed(Trigger {
                    kind: ChangeKind::Proxy,
                    paths: vec![
                        PathBuf::from("/p/proxy-config/a.conf"),
                        PathBuf::from("/p/proxy-config/b.conf")
                    ],
                }),
            ]
        );
    }
}
