//! The dashboard runs a fault drill as `stack-tui drill run NAME --json` in a child process: the
//! drill's own SIGINT handling heals before it ends (a stop, or the dashboard quitting), its
//! progress lines (stderr) go to Activity, and its JSON report gives the verdict.

use anyhow::Context as _;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use stack_core::app::Action;
use stack_core::app::drills::DrillOutcome;
use stack_core::model::Layout;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;

/// How long quitting the dashboard waits for a running drill to heal and end.
const HEAL_ON_QUIT: Duration = Duration::from_secs(60);

/// The running drill's process, shared by the task that follows it and the stop/quit paths.
#[derive(Debug, Clone, Default)]
pub struct DrillChild {
    pid: Arc<Mutex<Option<i32>>>,
}

impl DrillChild {
    fn set(&self, pid: Option<i32>) {
        if let Ok(mut slot) = self.pid.lock() {
            *slot = pid;
        }
    }

    fn get(&self) -> Option<i32> {
        self.pid.lock().ok().and_then(|slot| *slot)
    }

    /// SIGINT, which the drill treats as ctrl-c: it heals, reports and exits.
    pub fn stop(&self) {
        if let Some(pid) = self.get() {
            let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
        }
    }

    /// Stops a running drill and waits (bounded) until it has healed and exited.
    pub async fn stop_and_wait(&self) {
        if self.get().is_none() {
            return;
        }
        eprintln!("stack-tui: stopping the running drill (it heals first)…");
        self.stop();
        let deadline = Instant::now() + HEAL_ON_QUIT;
        while self.get().is_some() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if self.get().is_some() {
            eprintln!(
                "stack-tui: the drill did not end within {} s; check the stack with \
                 `stack-tui status`",
                HEAL_ON_QUIT.as_secs()
            );
        }
    }
}

/// `stack-tui` arguments for running `name` on `profile` of `layout`. The dashboard asked for a
/// `y` already, which stands for `--allow-prod`'s confirmation on prod.
pub fn arguments(layout: &Layout, profile: &str, name: &str) -> Vec<String> {
    let mut args = vec![
        "--root".to_string(),
        layout.root.display().to_string(),
        "--project-prefix".into(),
        layout.prefix.clone(),
        "--profile".into(),
        profile.to_string(),
    ];
    if profile == "prod" {
        args.push("--allow-prod".into());
    }
    args.extend([
        "drill".into(),
        "run".into(),
        name.to_string(),
        "--json".into(),
    ]);
    args
}

/// Starts the drill and follows it until it ends, reporting through `actions`.
pub fn start(
    child_slot: DrillChild,
    layout: &Layout,
    profile: String,
    name: String,
    actions: mpsc::Sender<Action>,
) {
    let args = arguments(layout, &profile, &name);
    tokio::spawn(async move {
        let started = Instant::now();
        let result = follow(&child_slot, args, &profile, &name, &actions).await;
        child_slot.set(None);
        let action = Action::DrillFinished {
            name,
            elapsed: started.elapsed(),
            result: result.map_err(|err| format!("{err:#}")),
        };
        let _ = actions.send(action).await;
    });
}

async fn follow(
    child_slot: &DrillChild,
    args: Vec<String>,
    profile: &str,
    name: &str,
    actions: &mpsc::Sender<Action>,
) -> anyhow::Result<DrillOutcome> {
    let exe = std::env::current_exe().context("cannot find the stack-tui executable")?;
    let mut child = Command::new(exe)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start `stack-tui drill run`")?;
    child_slot.set(child.id().and_then(|id| i32::try_from(id).ok()));
    let _ = actions
        .send(Action::DrillStarted {
            profile: profile.to_string(),
            name: name.to_string(),
        })
        .await;
    let mut stdout = child.stdout.take().context("no stdout from the drill")?;
    let stderr = child.stderr.take().context("no stderr from the drill")?;
    let report = tokio::spawn(async move {
        let mut text = String::new();
        stdout.read_to_string(&mut text).await.map(|_| text)
    });
    let mut lines = BufReader::new(stderr).lines();
    let mut last = String::new();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim().to_string();
        if line.is_empty() {
            continue;
        }
        last.clone_from(&line);
        let _ = actions
            .send(Action::DrillProgress {
                name: name.to_string(),
                line,
            })
            .await;
    }
    let status = child.wait().await?;
    let report = report.await.context("reading the drill's report")??;
    outcome(&report).ok_or_else(|| {
        anyhow::anyhow!(
            "the drill ended ({status}) without a report{}",
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        )
    })
}

/// The verdict and summary of the first drill in `drill run --json`'s report.
pub fn outcome(report: &str) -> Option<DrillOutcome> {
    let value: serde_json::Value = serde_json::from_str(report).ok()?;
    let drill = value.get("drills")?.get(0)?;
    Some(DrillOutcome {
        passed: drill.get("passed")?.as_bool()?,
        summary: drill.get("summary")?.as_str()?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prod_drills_carry_the_confirmation_and_others_do_not() {
        let layout = Layout::new("/srv/stack", "team");
        let local = arguments(&layout, "local", "redis-kill");
        assert_eq!(
            local.join(" "),
            "--root /srv/stack --project-prefix team --profile local drill run redis-kill --json"
        );
        assert!(arguments(&layout, "prod", "redis-kill").contains(&"--allow-prod".to_string()));
    }

    #[test]
    fn the_report_gives_the_verdict() {
        let report = r#"{"passed":false,"drills":[{"drill":"redis-kill","passed":false,
            "summary":"120 sent, 3 failed"}]}"#;
        assert_eq!(
            outcome(report),
            Some(DrillOutcome {
                passed: false,
                summary: "120 sent, 3 failed".into()
            })
        );
        assert_eq!(outcome("not json"), None);
        assert_eq!(outcome(r#"{"drills":[]}"#), None);
    }
}
