//! The watch loop shared by `stack-tui watch` and the dashboard: file triggers and the user's
//! requests in, reloads run one at a time against the profile currently selected, timeline events
//! out.

use super::runner::Reloader;
use super::steps::StepContext;
use super::supersede::run_file_reloads;
use super::trigger::{self, RemoteRequest};
use super::watcher::{DEFAULT_DEBOUNCE, ProjectWatcher, WatchError, WatchEvent};
use crate::compose::Compose;
use bollard::Docker;
use stack_core::model::Layout;
use stack_core::protocol::reload::{SessionEvent, SessionRequest, Trigger};
use stack_core::reload::ProjectLayout;
use tokio::sync::{mpsc, watch};

/// Runs until the profile sender is dropped or the watcher stops. `profile` selects which
/// profile reloads apply to and may change at any time (the dashboard's profile switch);
/// `requests` may close early, the loop then runs on without them.
pub async fn watch_session(
    layout: Layout,
    docker: Docker,
    mut profile: watch::Receiver<String>,
    mut requests: mpsc::UnboundedReceiver<SessionRequest>,
    allow_prod: bool,
    mut report: impl FnMut(SessionEvent),
) -> Result<(), WatchError> {
    let root = layout.root.clone();
    let (watcher, mut events) = ProjectWatcher::start(ProjectLayout::new(&root), DEFAULT_DEBOUNCE)?;
    let folders: Vec<String> = watcher
        .watched()
        .iter()
        .map(|dir| dir.strip_prefix(&root).unwrap_or(dir).display().to_string())
        .collect();
    let mut current = profile.borrow_and_update().clone();
    let mut reloader = reloader_for(&layout, &docker, &current, allow_prod, &mut report);
    report(SessionEvent::Watching {
        folders: folders.clone(),
        profile: current.clone(),
    });
    let mut requests_open = true;
    // `stack-tui reload PART` from another shell; the socket goes when this loop ends.
    let (remote_tx, mut remote) = mpsc::unbounded_channel();
    let _trigger =
        match trigger::serve(trigger::socket_path(&root, &layout.prefix), remote_tx).await {
            Ok(server) => server,
            Err(err) => {
                report(SessionEvent::WatchFailed(format!(
                    "`stack-tui reload` will not reach this loop: {err}"
                )));
                None
            }
        };
    loop {
        tokio::select! {
            changed = profile.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                current = profile.borrow_and_update().clone();
                let previous = reloader.take();
                let mut next = reloader_for(&layout, &docker, &current, allow_prod, &mut report);
                // The loop guard's memory of noisy paths survives a profile switch.
                if let (Some(previous), Some(next)) = (previous, next.as_mut()) {
                    next.inherit_guard(previous);
                }
                reloader = next;
                report(SessionEvent::Watching { folders: folders.clone(), profile: current.clone() });
            }
            request = requests.recv(), if requests_open => match (request, reloader.as_mut()) {
                (None, _) => requests_open = false,
                (Some(request), Some(reloader)) => handle_request(reloader, request, &mut report).await,
                (Some(_), None) => report(SessionEvent::ProfileUnusable(format!(
                    "profile {current:?} cannot be reloaded"
                ))),
            },
            Some(request) = remote.recv() => {
                handle_remote(reloader.as_mut(), &current, request, &mut report).await;
            }
            event = events.recv() => match event {
                Some(WatchEvent::Changed(trigger)) => {
                    if let Some(reloader) = reloader.as_mut()
                        && !run_file_reloads(reloader, trigger, &mut events, &mut report).await
                    {
                        return Ok(());
                    }
                }
                Some(WatchEvent::Failed(message)) => report(SessionEvent::WatchFailed(message)),
                None => return Ok(()),
            },
        }
    }
}

async fn handle_request(
    reloader: &mut Reloader,
    request: SessionRequest,
    report: &mut impl FnMut(SessionEvent),
) {
    match request {
        SessionRequest::ResumePaused => {
            let paths = reloader
                .resume_paused()
                .iter()
                .map(|path| path.display().to_string())
                .collect();
            report(SessionEvent::Resumed { paths });
        }
        SessionRequest::Reload(kind) => {
            tracing::info!(kind = kind.label(), "reload requested");
            let trigger = Trigger {
                kind,
                paths: Vec::new(),
            };
            reloader
                .handle(trigger, |event| report(SessionEvent::Reload(event)))
                .await;
        }
    }
}

/// A reload asked for from another shell: run like the user's own request, with the timeline
/// also sent back to the asker.
async fn handle_remote(
    reloader: Option<&mut Reloader>,
    current: &str,
    request: RemoteRequest,
    report: &mut impl FnMut(SessionEvent),
) {
    let RemoteRequest {
        kind,
        profile,
        replies,
    } = request;
    let refuse = |reason: String| {
        let _ = replies.send(SessionEvent::ProfileUnusable(reason));
    };
    if let Some(wanted) = profile.filter(|wanted| wanted != current) {
        return refuse(format!(
            "this loop reloads profile {current}, not {wanted}; switch the dashboard to {wanted}, or \
             leave out --profile"
        ));
    }
    let Some(reloader) = reloader else {
        return refuse(format!("profile {current:?} cannot be reloaded"));
    };
    let mut both = |event: SessionEvent| {
        let _ = replies.send(event.clone());
        report(event);
    };
    handle_request(reloader, SessionRequest::Reload(kind), &mut both).await;
}

fn reloader_for(
    layout: &Layout,
    docker: &Docker,
    profile: &str,
    allow_prod: bool,
    report: &mut impl FnMut(SessionEvent),
) -> Option<Reloader> {
    match layout.profile(profile) {
        Ok(found) => {
            let context = StepContext {
                root: layout.root.clone(),
                compose: Compose::new(found),
                docker: docker.clone(),
            };
            Some(Reloader::new(context, profile.to_string(), allow_prod))
        }
        Err(err) => {
            report(SessionEvent::ProfileUnusable(err.to_string()));
            None
        }
    }
}
