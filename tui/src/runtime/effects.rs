//! Performing the effects `update` asks for. Slow work runs in tasks that report back as actions.

use super::audit::{AuditError, Scope, audit_profile};
use super::drill::DrillChild;
use super::host::Host;
use super::input::Input;
use super::shell::{self, ShellPlan};
use crate::compose::{Compose, Output};
use stack_core::app::{Action, ComposeOp, Effect, State, update};
use stack_core::model::Layout;
use stack_core::protocol::docker::WorkerCommand;
use stack_core::protocol::reload::SessionRequest;
use std::time::Instant;
use tokio::sync::{mpsc, watch};

/// What effects need: where the project is, and the channels back into the loop.
#[derive(Clone)]
pub struct Context {
    pub layout: Layout,
    pub worker: mpsc::Sender<WorkerCommand>,
    /// Results of background tasks; also the seam for other producers (the hot-reload loop).
    pub actions: mpsc::Sender<Action>,
    /// Selects the profile hot reload applies to; `None` when the dashboard does not watch.
    pub reload_profile: Option<watch::Sender<String>>,
    /// Requests to the hot-reload loop; `None` when the dashboard does not watch.
    pub reload_requests: Option<mpsc::UnboundedSender<SessionRequest>>,
    /// The fault drill running from the Drills panel, if any.
    pub drill: DrillChild,
}

impl Context {
    /// Returns false when the app should stop.
    pub async fn perform<H: Host, I: Input>(
        &self,
        effects: Vec<Effect>,
        state: &mut State,
        host: &mut H,
        input: &mut I,
    ) -> bool {
        let mut queue = effects;
        while !queue.is_empty() {
            for effect in std::mem::take(&mut queue) {
                match effect {
                    Effect::Quit => return false,
                    Effect::Worker(command) => self.to_worker(command),
                    Effect::LoadModel { profile } => self.load_model(profile),
                    Effect::Audit { profile } => self.audit(profile),
                    Effect::Drill { profile, name } => super::drill::start(
                        self.drill.clone(),
                        &self.layout,
                        profile,
                        name,
                        self.actions.clone(),
                    ),
                    Effect::StopDrill => self.drill.stop(),
                    Effect::Compose {
                        profile,
                        op,
                        service,
                        label,
                    } => self.compose(profile, op, service, label),
                    Effect::SaveLogs { path, lines } => self.save(path, lines),
                    Effect::Copy { text } => {
                        if let Err(err) = host.copy(&text) {
                            tracing::warn!("copy to the clipboard: {err}");
                            state.message = Some(format!("copy to the clipboard failed: {err}"));
                            state.dirty = true;
                        }
                    }
                    Effect::ReloadProfile { profile } => {
                        if let Some(selected) = &self.reload_profile {
                            selected.send_replace(profile);
                        }
                    }
                    Effect::ReloadRequest(request) => {
                        if let Some(requests) = &self.reload_requests {
                            let _ = requests.send(request);
                        }
                    }
                    Effect::Exec { container, label } => {
                        let action = exec(host, input, &self.layout, &container, &label).await;
                        queue.extend(update(state, action));
                        state.dirty = true;
                    }
                }
            }
        }
        true
    }

    /// Never blocks the loop: the worker may itself be waiting for the loop to read its updates.
    fn to_worker(&self, command: WorkerCommand) {
        if let Err(mpsc::error::TrySendError::Full(command)) = self.worker.try_send(command) {
            let worker = self.worker.clone();
            tokio::spawn(async move { worker.send(command).await });
        }
    }

    fn load_model(&self, profile: String) {
        let layout = self.layout.clone();
        let actions = self.actions.clone();
        tokio::spawn(async move {
            let result = match layout.profile(&profile) {
                Ok(found) => Compose::new(found)
                    .model()
                    .await
                    .map_err(|err| err.to_string()),
                Err(err) => Err(err.to_string()),
            };
            let _ = actions.send(Action::Model { profile, result }).await;
        });
    }

    /// Files and containers; a profile that is not running (or an engine that does not answer,
    /// which the banner already says) is audited from its files alone.
    fn audit(&self, profile: String) {
        let layout = self.layout.clone();
        let actions = self.actions.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = match audit_profile(&layout, &profile, Scope::Both).await {
                Err(AuditError::NotRunning { .. } | AuditError::Docker(_)) => {
                    audit_profile(&layout, &profile, Scope::Static).await
                }
                other => other,
            };
            let action = Action::Audited {
                profile,
                elapsed: started.elapsed(),
                result: result.map_err(|err| err.to_string()),
            };
            let _ = actions.send(action).await;
        });
    }

    fn compose(&self, profile: String, op: ComposeOp, service: Option<String>, label: String) {
        let layout = self.layout.clone();
        let actions = self.actions.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = async {
                let compose = Compose::new(layout.profile(&profile).map_err(|e| e.to_string())?);
                match (op, service) {
                    (ComposeOp::Up { with }, _) => {
                        // As `stack-tui up --with`: recorded first, so prepare and compose see it.
                        crate::compose::overlays::turn_on(&layout, &profile, &with)
                            .map_err(|e| e.to_string())?;
                        let compose =
                            Compose::new(layout.profile(&profile).map_err(|e| e.to_string())?);
                        crate::compose::prepare(&layout, &profile, Output::Captured)
                            .await
                            .map_err(|e| e.to_string())?;
                        crate::compose::refuse_other_source(&compose).await?;
                        compose.up(false, Output::Captured).await
                    }
                    (ComposeOp::Down { volumes }, _) => {
                        let down = compose.down(volumes, Output::Captured).await;
                        // As `stack-tui down`: its opt-in overlays go with it.
                        if down.is_ok() {
                            crate::compose::overlays::forget(&layout, &profile)
                                .map_err(|e| e.to_string())?;
                        }
                        down
                    }
                    (ComposeOp::Recreate, Some(service)) => compose.recreate(&service).await,
                    (ComposeOp::Recreate, None) => compose.up(false, Output::Captured).await,
                }
                .map_err(|err| err.to_string())
            }
            .await;
            let action = Action::TaskDone {
                label,
                elapsed: started.elapsed(),
                result: result.map(|()| String::new()),
            };
            let _ = actions.send(action).await;
        });
    }

    fn save(&self, path: std::path::PathBuf, lines: Vec<String>) {
        let actions = self.actions.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let label = format!("save logs to {}", path.display());
            let count = lines.len();
            let written = tokio::task::spawn_blocking(move || {
                let mut text = lines.join("\n");
                text.push('\n');
                std::fs::write(&path, text).map(|()| path)
            })
            .await;
            let result = match written {
                Ok(Ok(path)) => Ok(format!("saved {count} lines to {}", path.display())),
                Ok(Err(err)) => Err(err.to_string()),
                Err(err) => Err(err.to_string()),
            };
            let _ = actions
                .send(Action::TaskDone {
                    label,
                    elapsed: started.elapsed(),
                    result,
                })
                .await;
        });
    }
}

/// Suspends the UI and runs an interactive shell with the docker CLI, which handles the TTY.
async fn exec<H: Host, I: Input>(
    host: &mut H,
    input: &mut I,
    layout: &Layout,
    container: &str,
    label: &str,
) -> Action {
    let started = Instant::now();
    if !host.interactive() {
        return Action::TaskDone {
            label: label.into(),
            elapsed: started.elapsed(),
            result: Err("no terminal to run a shell in".into()),
        };
    }
    let plan = match shell::plan(layout, container).await {
        Ok(plan) => plan,
        Err(message) => {
            return Action::TaskDone {
                label: label.into(),
                elapsed: started.elapsed(),
                result: Err(message),
            };
        }
    };
    let name = label.strip_prefix("shell in ").unwrap_or(label);
    input.pause();
    let result = match host.suspend() {
        Ok(()) => {
            let status = shell::command(&plan, container, name).status().await;
            let done = match &plan {
                ShellPlan::Own => String::new(),
                ShellPlan::Debug { image } => format!("{name}: debug shell ({image}) closed"),
            };
            match status {
                Ok(status) if status.success() || status.code() == Some(130) => Ok(done),
                Ok(status) => Err(format!("the shell ended with {status}")),
                Err(err) => Err(format!("cannot run docker: {err}")),
            }
        }
        Err(err) => Err(format!("cannot suspend the terminal: {err}")),
    };
    let resumed = host.resume();
    input.resume();
    let result = match resumed {
        Ok(()) => result,
        Err(err) => Err(format!("cannot restore the terminal: {err}")),
    };
    Action::TaskDone {
        label: label.into(),
        elapsed: started.elapsed(),
        result,
    }
}
