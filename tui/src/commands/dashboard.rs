//! Opening the dashboard: config, file logging, the Docker worker, the terminal, the loop.

use crate::docker::{connect, spawn_worker};
use crate::reload::watch_session;
use crate::runtime::{self, Context, CrosstermHost, DrillChild, TerminalInput};
use crate::{paths, telemetry};
use stack_core::app::profiles::ProfileEntry;
use stack_core::app::{Action, DaemonContext, Effect, State};
use stack_core::config::{Config, no_color_requested};
use stack_core::model::Layout;
use stack_core::protocol::docker::WorkerCommand;
use stack_core::protocol::reload::SessionRequest;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Bounded queues between the worker/tasks and the loop.
const UPDATE_QUEUE: usize = 256;
const ACTION_QUEUE: usize = 64;

/// Whether the dashboard runs the hot-reload loop, whether it may apply changes to prod, and
/// whether anything may change containers at all.
#[derive(Debug, Clone, Copy)]
pub struct DashboardOptions {
    pub watch: bool,
    pub allow_prod: bool,
    pub readonly: bool,
}

pub async fn dashboard(
    layout: &Layout,
    profile: &str,
    options: DashboardOptions,
) -> anyhow::Result<()> {
    // Validate before taking over the terminal, so the error is readable.
    let current = layout.profile(profile)?;
    // A context that does not exist would leave every panel empty; say so on the terminal.
    let endpoint = crate::docker::endpoint::current()?;
    let file_log = telemetry::init(&paths::state_dir());
    let loaded = Config::load(&paths::config_file(), no_color_requested());
    let entries: Vec<ProfileEntry> = layout
        .profiles()
        .iter()
        .map(ProfileEntry::from_profile)
        .collect();
    let mut state = State::new(entries, &current.name, &loaded.config, chrono::Utc::now());
    state.readonly = options.readonly;
    state.daemon = DaemonContext {
        name: endpoint.context.clone(),
        remote: endpoint.is_remote(),
    };
    match &file_log {
        Ok(log) => state.log_file = Some(log.location.clone()),
        Err(err) => state.message = Some(format!("file logging off: {err}")),
    }
    if let Some(warning) = loaded.warnings.first() {
        tracing::warn!(%warning, "config");
        state.message = Some(warning.clone());
    }
    tracing::info!(
        profile = %current.name,
        root = %layout.root.display(),
        endpoint = %endpoint.describe(),
        "dashboard starting"
    );

    let (updates_tx, updates) = mpsc::channel(UPDATE_QUEUE);
    let (actions_tx, actions) = mpsc::channel::<Action>(ACTION_QUEUE);
    let worker = spawn_worker(updates_tx);
    let (reload_profile, reload_requests, reload_task) = if options.watch && !options.readonly {
        let (selected, profile) = watch::channel(current.name.clone());
        let (requests_tx, requests) = mpsc::unbounded_channel();
        let task = spawn_reload(
            layout,
            profile,
            requests,
            options.allow_prod,
            actions_tx.clone(),
        );
        (Some(selected), Some(requests_tx), Some(task))
    } else {
        (None, None, None)
    };
    let context = Context {
        layout: layout.clone(),
        worker: worker.commands.clone(),
        actions: actions_tx,
        reload_profile,
        reload_requests,
        drill: DrillChild::default(),
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
    // A drill still running is healed before the dashboard is gone.
    context.drill.stop_and_wait().await;
    drop(context);
    worker.task.abort();
    if let Some(task) = reload_task {
        task.abort();
    }
    tracing::info!("dashboard stopped");
    result
}

/// Runs the hot-reload loop in the background; its events reach `update` as actions. The loop's
/// events are few (a handful per reload), so an unbounded hop keeps a slow UI from stalling it.
fn spawn_reload(
    layout: &Layout,
    profile: watch::Receiver<String>,
    requests: mpsc::UnboundedReceiver<SessionRequest>,
    allow_prod: bool,
    actions: mpsc::Sender<Action>,
) -> JoinHandle<()> {
    let layout = layout.clone();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if actions.send(Action::Reload(event)).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let report = |event| {
            let _ = events_tx.send(event);
        };
        let outcome = match connect().await {
            Ok(docker) => watch_session(layout, docker, profile, requests, allow_prod, report)
                .await
                .map_err(|err| err.to_string()),
            Err(err) => Err(err.to_string()),
        };
        if let Err(message) = outcome {
            tracing::warn!(%message, "hot reload stopped");
        }
    })
}
