//! `stack-tui watch`: the hot-reload loop without the dashboard, printing the reload timeline.

use crate::compose::{Compose, Layout};
use crate::docker::connect;
use crate::reload::{
    DEFAULT_DEBOUNCE, ProjectLayout, ProjectWatcher, Reloader, StepContext, WatchEvent, describe,
};

/// Watches the project and reloads what changed in `profile` until interrupted (Ctrl-C).
pub async fn watch(layout: &Layout, profile: &str, allow_prod: bool) -> anyhow::Result<()> {
    let compose = Compose::new(layout.profile(profile)?);
    let docker = connect().await?;
    let root = layout.root.clone();
    let (watcher, mut events) = ProjectWatcher::start(ProjectLayout::new(&root), DEFAULT_DEBOUNCE)?;
    let watched: Vec<String> = watcher
        .watched()
        .iter()
        .map(|dir| dir.strip_prefix(&root).unwrap_or(dir).display().to_string())
        .collect();
    println!(
        "watching {} for profile {profile} ({}); Ctrl-C stops",
        watched.join(", "),
        compose.profile().project
    );
    if profile == "prod" && !allow_prod {
        println!("prod: changes are reported but not applied (pass --allow-prod to reload prod)");
    }
    let context = StepContext {
        root: root.clone(),
        compose,
        docker,
    };
    let mut reloader = Reloader::new(context, profile.to_string(), allow_prod);
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            event = events.recv() => match event {
                Some(WatchEvent::Changed(trigger)) => {
                    tracing::info!(kind = trigger.kind.label(), paths = ?trigger.paths, "reload triggered");
                    reloader
                        .handle(trigger, |event| println!("{}", describe(&event, &root)))
                        .await;
                }
                Some(WatchEvent::Failed(message)) => {
                    eprintln!("file watching failed: {message}");
                }
                None => anyhow::bail!("the file watcher stopped unexpectedly"),
            },
        }
    }
    Ok(())
}
