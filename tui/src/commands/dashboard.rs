//! Opening the dashboard: config, file logging, the Docker worker, the terminal, the loop.

use crate::app::profiles::ProfileEntry;
use crate::app::{Action, Effect, State};
use crate::compose::Layout;
use crate::config::{Config, no_color_requested};
use crate::docker::{WorkerCommand, spawn_worker};
use crate::runtime::{self, Context, CrosstermHost, TerminalInput};
use crate::{paths, telemetry};
use tokio::sync::mpsc;

/// Bounded queues between the worker/tasks and the loop.
const UPDATE_QUEUE: usize = 256;
const ACTION_QUEUE: usize = 64;

pub async fn dashboard(layout: &Layout, profile: &str) -> anyhow::Result<()> {
    // Validate before taking over the terminal, so the error is readable.
    let current = layout.profile(profile)?;
    let file_log = telemetry::init(&paths::state_dir());
    let loaded = Config::load(&paths::config_file(), no_color_requested());
    let entries: Vec<ProfileEntry> = layout
        .profiles()
        .iter()
        .map(ProfileEntry::from_profile)
        .collect();
    let mut state = State::new(entries, &current.name, &loaded.config, chrono::Utc::now());
    match &file_log {
        Ok(log) => state.log_file = Some(log.location.clone()),
        Err(err) => state.message = Some(format!("file logging off: {err}")),
    }
    if let Some(warning) = loaded.warnings.first() {
        tracing::warn!(%warning, "config");
        state.message = Some(warning.clone());
    }
    tracing::info!(profile = %current.name, root = %layout.root.display(), "dashboard starting");

    let (updates_tx, updates) = mpsc::channel(UPDATE_QUEUE);
    let (actions_tx, actions) = mpsc::channel::<Action>(ACTION_QUEUE);
    let worker = spawn_worker(updates_tx);
    let context = Context {
        layout: layout.clone(),
        worker: worker.commands.clone(),
        actions: actions_tx,
    };
    let mut startup = vec![
        Effect::Worker(WorkerCommand::Watch {
            project: current.project.clone(),
        }),
        Effect::LoadModel {
            profile: current.name.clone(),
        },
    ];
    startup.extend(
        state
            .profiles
            .iter()
            .filter(|p| p.name != current.name)
            .map(|p| Effect::LoadModel {
                profile: p.name.clone(),
            }),
    );

    let mut host = CrosstermHost::start()?;
    let mut input = TerminalInput::new();
    let result = async {
        if context
            .perform(startup, &mut state, &mut host, &mut input)
            .await
        {
            runtime::run(
                &mut state, &mut host, &mut input, updates, actions, &context,
            )
            .await?;
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
    host.stop();
    drop(context);
    worker.task.abort();
    tracing::info!("dashboard stopped");
    result
}
