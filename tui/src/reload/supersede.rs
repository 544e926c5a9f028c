//! File-triggered reloads, with a newer save cancelling a build in progress: when a save of the
//! part being rebuilt arrives during its component build, the build is stopped (dropping the
//! reload kills the build's whole process group) and one new reload runs with both saves' files,
//! as `spin watch` does. A newer save after the build waits for the running reload to finish.
//! Saves of other parts, and watcher failures, are handled in order once the running reload ends.

use super::runner::Reloader;
use super::watcher::WatchEvent;
use stack_core::protocol::reload::{ReloadEvent, SessionEvent, Trigger};
use stack_core::reload::Step;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::mpsc;

/// Runs `first` and whatever the watcher reports while it runs; returns false when the watcher
/// has stopped.
pub async fn run_file_reloads(
    reloader: &mut Reloader,
    first: Trigger,
    events: &mut mpsc::Receiver<WatchEvent>,
    report: &mut impl FnMut(SessionEvent),
) -> bool {
    let mut queue = VecDeque::from([first]);
    let mut watching = true;
    while let Some(trigger) = queue.pop_front() {
        tracing::info!(kind = trigger.kind.label(), paths = ?trigger.paths, "reload triggered");
        // The step running now (shared with the reporting closure; the future must stay Send).
        let step: Mutex<Option<Step>> = Mutex::new(None);
        let running = || step.lock().ok().and_then(|at| *at);
        let started = Instant::now();
        // Failures of the watcher that arrive while the reload reports; told once it is over.
        let mut later: Vec<String> = Vec::new();
        let newer = {
            let run = reloader.handle(trigger.clone(), |event| {
                let now = match &event {
                    ReloadEvent::StepStarted { step: started } => Some(Some(*started)),
                    ReloadEvent::StepDone { .. } => Some(None),
                    _ => None,
                };
                if let (Some(now), Ok(mut at)) = (now, step.lock()) {
                    *at = now;
                }
                report(SessionEvent::Reload(event));
            });
            tokio::pin!(run);
            loop {
                tokio::select! {
                    () = &mut run => break None,
                    event = events.recv(), if watching => match event {
                        Some(WatchEvent::Changed(next))
                            if next.kind == trigger.kind
                                && running().is_some_and(Step::supersedable) =>
                        {
                            break running().map(|at| (next, at));
                        }
                        Some(WatchEvent::Changed(next)) => enqueue(&mut queue, next),
                        Some(WatchEvent::Failed(message)) => later.push(message),
                        None => watching = false,
                    },
                }
            }
        };
        for message in later {
            report(SessionEvent::WatchFailed(message));
        }
        if let Some((next, at)) = newer {
            report(SessionEvent::Reload(ReloadEvent::Superseded {
                kind: trigger.kind,
                step: at,
                total: started.elapsed(),
            }));
            queue.push_front(merged(trigger, next));
        }
    }
    watching
}

/// Queues a trigger, folding it into a queued one of the same part (one reload covers both).
fn enqueue(queue: &mut VecDeque<Trigger>, next: Trigger) {
    match queue.iter_mut().find(|queued| queued.kind == next.kind) {
        Some(queued) => *queued = merged(queued.clone(), next),
        None => queue.push_back(next),
    }
}

/// One trigger with both triggers' files, sorted and without duplicates.
fn merged(mut first: Trigger, second: Trigger) -> Trigger {
    first.paths.extend(second.paths);
    first.paths.sort();
    first.paths.dedup();
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use stack_core::reload::ChangeKind;
    use std::path::PathBuf;

    fn trigger(kind: ChangeKind, paths: &[&str]) -> Trigger {
        Trigger {
            kind,
            paths: paths.iter().map(PathBuf::from).collect(),
        }
    }

    #[test]
    fn merged_triggers_keep_each_file_once_in_order() {
        let both = merged(
            trigger(ChangeKind::App, &["b.rs", "a.rs"]),
            trigger(ChangeKind::App, &["a.rs", "c.rs"]),
        );
        assert_eq!(both, trigger(ChangeKind::App, &["a.rs", "b.rs", "c.rs"]));
    }

    #[test]
    fn queued_saves_of_one_part_fold_into_one_reload() {
        let mut queue = VecDeque::new();
        enqueue(&mut queue, trigger(ChangeKind::Proxy, &["nginx.conf"]));
        enqueue(&mut queue, trigger(ChangeKind::App, &["a.rs"]));
        enqueue(&mut queue, trigger(ChangeKind::Proxy, &["site.conf"]));
        assert_eq!(
            Vec::from(queue),
            vec![
                trigger(ChangeKind::Proxy, &["nginx.conf", "site.conf"]),
                trigger(ChangeKind::App, &["a.rs"]),
            ]
        );
    }
}
