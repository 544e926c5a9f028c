//! `stack-tui watch`: the hot-reload loop without the dashboard, printing the reload timeline.

use crate::docker::connect;
use crate::reload::watch_session;
use stack_core::model::{Layout, ProfilePolicy};
use stack_core::protocol::reload::{SessionEvent, describe};
use tokio::sync::{mpsc, watch};

/// Watches the project and reloads what changed in `profile` until interrupted (Ctrl-C).
pub async fn watch(layout: &Layout, profile: &str, allow_prod: bool) -> anyhow::Result<()> {
    let project = layout.profile(profile)?.project;
    let docker = connect().await?;
    let (_keep_profile, selected) = watch::channel(profile.to_string());
    // Nothing sends requests here: the terminal belongs to the timeline.
    let (_no_requests, requests) = mpsc::unbounded_channel();
    let session = watch_session(
        layout.clone(),
        docker,
        selected,
        requests,
        allow_prod,
        |event| print_event(&event, &project, allow_prod),
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Ok(()),
        result = session => match result {
            Ok(()) => anyhow::bail!("the file watcher stopped unexpectedly"),
            Err(err) => Err(err.into()),
        },
    }
}

fn print_event(event: &SessionEvent, project: &str, allow_prod: bool) {
    match event {
        SessionEvent::Watching { folders, profile } => {
            println!(
                "watching {} for profile {profile} ({project}); Ctrl-C stops",
                folders.join(", ")
            );
            if ProfilePolicy::of(profile).protected && !allow_prod {
                println!(
                    "prod: changes are reported but not applied (pass --allow-prod to reload prod)"
                );
            }
        }
        SessionEvent::Reload(event) => println!("{}", describe(event)),
        SessionEvent::WatchFailed(message) => eprintln!("file watching failed: {message}"),
        SessionEvent::ProfileUnusable(message) => eprintln!("not reloading: {message}"),
        SessionEvent::Resumed { paths } => println!("watching again: {}", paths.join(", ")),
    }
}
