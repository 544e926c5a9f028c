//! Inputs to `update` and the side effects it asks the runtime to perform.

use crate::config::keymap::Command;
use crate::model::ComposeModel;
use crate::protocol::docker::{DockerUpdate, WorkerCommand};
use crate::protocol::reload::{SessionEvent, SessionRequest};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Once a second: uptime columns move on.
    Tick {
        now: DateTime<Utc>,
    },
    /// Every `logs::REORDER_TICK` while log lines wait in the reorder window: releases those that
    /// waited a whole period.
    FlushLogs,
    /// A command as if its key had been pressed (headless drivers and the `:` line).
    Run(Command),
    Docker(DockerUpdate),
    Model {
        profile: String,
        result: Result<ComposeModel, String>,
    },
    /// The hot-reload loop reported something (watching, a reload's steps and result).
    Reload(SessionEvent),
    /// A security audit of `profile` finished.
    Audited {
        profile: String,
        elapsed: Duration,
        result: Result<crate::audit::Report, String>,
    },
    /// The runtime started a drill (`stack-tui drill run`) on `profile`.
    DrillStarted {
        profile: String,
        name: String,
    },
    /// A progress line of the running drill.
    DrillProgress {
        name: String,
        line: String,
    },
    /// The running drill ended: its verdict and one-line summary, or why it could not run.
    DrillFinished {
        name: String,
        elapsed: Duration,
        result: Result<super::drills::DrillOutcome, String>,
    },
    /// A runtime task finished (compose operation, exec, save).
    TaskDone {
        label: String,
        elapsed: Duration,
        result: Result<String, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeOp {
    /// `with`: opt-in overlays to turn on first (`:up --with monitoring`), kept until down.
    Up {
        with: Vec<String>,
    },
    Down {
        volumes: bool,
    },
    Recreate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    Worker(WorkerCommand),
    /// Load the merged compose model of a profile.
    LoadModel {
        profile: String,
    },
    Compose {
        profile: String,
        op: ComposeOp,
        service: Option<String>,
        label: String,
    },
    /// Suspend the UI and run an interactive shell in the container.
    Exec {
        container: String,
        label: String,
    },
    /// Hot reload now applies to this profile.
    ReloadProfile {
        profile: String,
    },
    /// Something asked of the hot-reload loop (resume paused paths, reload a part now).
    ReloadRequest(SessionRequest),
    SaveLogs {
        path: PathBuf,
        lines: Vec<String>,
    },
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy {
        text: String,
    },
    /// Audit a profile: its files, and its containers when they run.
    Audit {
        profile: String,
    },
    /// Run a fault drill against a profile (confirmed by the user).
    Drill {
        profile: String,
        name: String,
    },
    /// Stop the running drill; it heals before it ends.
    StopDrill,
}
