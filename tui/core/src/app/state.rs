//! Everything the dashboard shows, in one struct the renderer only reads.

use super::action::Effect;
use super::activity::Activity;
use super::audit::AuditView;
use super::drills::DrillsView;
use super::profiles::ProfileEntry;
use super::reload::ReloadView;
use crate::config::Config;
use crate::config::keymap::{Context, Keymap};
use crate::config::theme::Theme;
use crate::logs::{JsonStyle, Level, LogFilter, LogStore, TimeWindow};
use crate::metrics::{Flags, Metrics, Window};
use crate::model::ComposeModel;
use crate::model::container::{ContainerSnapshot, NetworkSnapshot, StatsSample};
use crate::model::readiness::Readiness;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Services,
    Health,
    Logs,
    Topology,
    Profiles,
    Activity,
    Audit,
    Drills,
    Metrics,
}

impl Panel {
    pub const ALL: [Panel; 9] = [
        Panel::Services,
        Panel::Health,
        Panel::Logs,
        Panel::Topology,
        Panel::Profiles,
        Panel::Activity,
        Panel::Audit,
        Panel::Drills,
        Panel::Metrics,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Services => "Services",
            Self::Health => "Health",
            Self::Logs => "Logs",
            Self::Topology => "Topology",
            Self::Profiles => "Profiles",
            Self::Activity => "Activity",
            Self::Audit => "Audit",
            Self::Drills => "Drills",
            Self::Metrics => "Metrics",
        }
    }

    pub fn context(self) -> Context {
        match self {
            Self::Services => Context::Services,
            Self::Health => Context::Health,
            Self::Logs => Context::Logs,
            Self::Topology => Context::Topology,
            Self::Profiles => Context::Profiles,
            Self::Activity => Context::Activity,
            Self::Audit => Context::Audit,
            Self::Drills => Context::Drills,
            Self::Metrics => Context::Metrics,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected { api_version: String },
    Lost { reason: String, retry_in: Duration },
}

/// The daemon the dashboard talks to, for the header and the confirmations: its context name
/// ("DOCKER_HOST" when that decided) and whether it is on another machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonContext {
    pub name: String,
    pub remote: bool,
}

impl Default for DaemonContext {
    fn default() -> Self {
        Self {
            name: "default".into(),
            remote: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    State,
    Health,
    Cpu,
    Memory,
    Restarts,
}

impl SortKey {
    pub fn next(self) -> Self {
        match self {
            Self::Name => Self::State,
            Self::State => Self::Health,
            Self::Health => Self::Cpu,
            Self::Cpu => Self::Memory,
            Self::Memory => Self::Restarts,
            Self::Restarts => Self::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::State => "state",
            Self::Health => "health",
            Self::Cpu => "cpu",
            Self::Memory => "memory",
            Self::Restarts => "restarts",
        }
    }
}

/// An action waiting for a `y` because it is destructive on prod.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub prompt: String,
    pub effects: Vec<Effect>,
    /// The footer's message once confirmed ("stop redis…"); nothing runs before the `y`.
    pub running: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Typing a filter: services by name, or a log regex.
    Filter(String),
    Command(String),
    Confirm(Confirm),
    Help,
}

#[derive(Debug, Clone)]
pub struct LogView {
    /// Following: the newest line is at the bottom and selected.
    pub follow: bool,
    /// When paused: the absolute index (see `LogStore::pushed`) of the bottom line shown.
    pub anchor: u64,
    /// When paused: the absolute index of the selected line (`c` copies it, `Enter` opens its
    /// request).
    pub cursor: u64,
    pub filter: Option<LogFilter>,
    /// The regex hides the lines it does not keep; off, every line stays and matches are marked
    /// (`n`/`N` jump between them).
    pub matches_only: bool,
    /// Lines below this level are hidden (lines without a level count as info).
    pub min_level: Option<Level>,
    /// `:since 5m`: lines older than this are hidden.
    pub since: Option<TimeWindow>,
    pub service: Option<String>,
    pub json: JsonStyle,
    pub timestamps: bool,
    /// Timestamps in the machine's local time rather than UTC.
    pub local_time: bool,
    /// Long lines continue on the next rows instead of being cut at the edge.
    pub wrap: bool,
    pub fullscreen: bool,
    /// The request view over the list, when open.
    pub request: Option<RequestView>,
}

impl Default for LogView {
    fn default() -> Self {
        Self {
            follow: true,
            anchor: 0,
            cursor: 0,
            filter: None,
            matches_only: true,
            min_level: None,
            since: None,
            service: None,
            json: JsonStyle::Raw,
            timestamps: false,
            local_time: false,
            wrap: false,
            fullscreen: false,
            request: None,
        }
    }
}

/// One request's lines from every service (`Enter` on an access line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    pub id: String,
    /// Rows scrolled past at the top.
    pub scroll: usize,
}

/// An app replica's last readiness answer, and since when it has been ready or not ready.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaReadiness {
    pub readiness: Readiness,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub profile: String,
    pub project: String,
    pub profiles: Vec<ProfileEntry>,
    pub connection: Connection,
    pub daemon: DaemonContext,
    pub containers: BTreeMap<String, ContainerSnapshot>,
    pub stats: HashMap<String, StatsSample>,
    /// Readiness of the running app replicas, by container id (absent: not probed yet).
    pub readiness: HashMap<String, ReplicaReadiness>,
    pub networks: Vec<NetworkSnapshot>,
    pub model: Option<ComposeModel>,
    pub model_error: Option<String>,
    pub logs: LogStore,
    pub log_view: LogView,
    pub activity: Activity,
    pub reload: ReloadView,
    pub audit: AuditView,
    pub drills: DrillsView,
    /// Request and resource history per service and app replica, and the health flags.
    pub metrics: Metrics,
    /// The Metrics panel's window (1, 5 or 15 minutes).
    pub metrics_window: Window,
    pub panel: Panel,
    pub selected: usize,
    /// The first services row on screen; it moves only to keep the selection visible.
    pub services_offset: usize,
    pub sort: SortKey,
    pub service_filter: String,
    pub profile_selected: usize,
    /// Scroll offset for the panels that are plain text (health, topology, activity).
    pub scroll: u16,
    /// Scroll offset of the help overlay (the screen clamps it to the help's length).
    pub help_scroll: u16,
    /// Topology shows the list instead of the picture.
    pub topology_list: bool,
    pub mode: Mode,
    pub keymap: Keymap,
    pub theme: Theme,
    pub viewport: (u16, u16),
    pub now: DateTime<Utc>,
    pub message: Option<String>,
    pub log_file: Option<PathBuf>,
    /// Container ids the worker currently streams stats for.
    pub stats_for: Vec<String>,
    /// Container ids the worker currently probes for readiness.
    pub readiness_for: Vec<String>,
    /// App replicas whose `/metrics` the worker currently scrapes.
    pub metrics_for: Vec<String>,
    pub dirty: bool,
    pub quit: bool,
    /// `--readonly`: no key or command changes containers.
    pub readonly: bool,
}

impl State {
    pub fn new(
        profiles: Vec<ProfileEntry>,
        profile: &str,
        config: &Config,
        now: DateTime<Utc>,
    ) -> Self {
        let project = profiles
            .iter()
            .find(|entry| entry.name == profile)
            .map(|entry| entry.project.clone())
            .unwrap_or_else(|| format!("stack-{profile}"));
        let profile_selected = profiles
            .iter()
            .position(|entry| entry.name == profile)
            .unwrap_or(0);
        Self {
            profile: profile.to_string(),
            project,
            profiles,
            connection: Connection::Connecting,
            daemon: DaemonContext::default(),
            containers: BTreeMap::new(),
            stats: HashMap::new(),
            readiness: HashMap::new(),
            networks: Vec::new(),
            model: None,
            model_error: None,
            logs: LogStore::new(config.log_buffer_lines),
            log_view: LogView::default(),
            activity: Activity::default(),
            reload: ReloadView::default(),
            audit: AuditView::default(),
            drills: DrillsView::default(),
            metrics: Metrics::default()
                .with_flags(Flags::with_unhealthy_probes(config.unhealthy_probes)),
            metrics_window: Window::default(),
            panel: Panel::Services,
            selected: 0,
            services_offset: 0,
            help_scroll: 0,
            topology_list: false,
            sort: SortKey::Name,
            service_filter: String::new(),
            profile_selected,
            scroll: 0,
            mode: Mode::Normal,
            keymap: config.keymap.clone(),
            theme: config.theme.clone(),
            viewport: (80, 24),
            now,
            message: None,
            log_file: None,
            stats_for: Vec::new(),
            readiness_for: Vec::new(),
            metrics_for: Vec::new(),
            dirty: true,
            quit: false,
            readonly: false,
        }
    }

    pub fn is_prod(&self) -> bool {
        crate::model::is_protected(&self.profile)
    }
}
