//! Command-line interface. Global flags apply to every subcommand.
// The doc comments below are clap's `--help` text, written for a terminal, not for rustdoc.
#![allow(
    rustdoc::invalid_html_tags,
    rustdoc::broken_intra_doc_links,
    reason = "doc comments here are --help text (`<profile>`, `[::1]`), shown verbatim by clap"
)]

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "stack-tui",
    version,
    about = "Terminal dashboard and CLI for a compose web stack with local, dev and prod profiles"
)]
pub struct Cli {
    /// Profile to work on (a directory with a compose.yaml overlay: local, dev, prod).
    /// The short form is -P, not -p: in `docker compose`, -p names the project.
    #[arg(
        long,
        short = 'P',
        global = true,
        env = "STACK_TUI_PROFILE",
        default_value = stack_core::model::DEFAULT_PROFILE
    )]
    pub profile: String,
    /// Project directory (holds compose/compose.yaml, env/ and the profile overlays).
    /// Default: the nearest such directory upwards from here, else the bundled stack.
    #[arg(long, global = true, env = "STACK_TUI_ROOT")]
    pub root: Option<PathBuf>,
    /// Compose project names are PREFIX-<profile>.
    #[arg(
        long,
        global = true,
        env = "STACK_TUI_PROJECT_PREFIX",
        default_value = "stack"
    )]
    pub project_prefix: String,
    /// Hot reload also applies to the prod profile (off by default: prod changes are only
    /// reported), and `drill run` may break prod.
    #[arg(long, global = true)]
    pub allow_prod: bool,
    /// The dashboard does not watch the project's files (no hot reload).
    #[arg(long, global = true)]
    pub no_watch: bool,
    /// Look, don't touch: no command or key changes containers (no up, down, restart, stop,
    /// recreate, shell, hot reload or `reload`); read-only compose subcommands still pass.
    #[arg(long, global = true, env = "STACK_TUI_READONLY")]
    pub readonly: bool,
    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Prepare and bring the profile up (building what it needs), then open the dashboard.
    Up {
        /// Don't open the dashboard; wait until every service is healthy instead.
        #[arg(long, short = 'd')]
        detach: bool,
        /// Also run an opt-in overlay (compose/<name>/compose.yaml): `monitoring` runs
        /// Prometheus on 127.0.0.1 scraping the app replicas and nginx. It stays on for the
        /// profile (the dashboard, hot reload, status, audit) until `down`.
        #[arg(long = "with", value_name = "OVERLAY")]
        with: Vec<String>,
    },
    /// Stop and remove the profile's containers and networks.
    Down {
        /// Also remove named volumes (data is lost). On prod this asks for the profile's name
        /// first (as does any `down` on a remote Docker daemon) unless --yes is given.
        #[arg(long, short = 'v')]
        volumes: bool,
        /// Don't ask for confirmation (for scripts).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Services of the profile with state, health, uptime, restarts and ports.
    ///
    /// Exit status: 0 when every service runs all its replicas healthy (a one-shot job that
    /// finished with 0 counts as healthy), 3 when some service is degraded, starting, stopped or
    /// failed, or nothing runs, 4 when the Docker daemon is unreachable, 1 for other errors.
    Status {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
        /// Same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Print service logs (all services unless named), merged in timestamp order.
    Logs(LogsArgs),
    /// List profiles with their state and published ports.
    Profiles {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Check Docker, Compose, images, ports and secrets for the profile.
    Doctor,
    /// Security audit of the profile: its files (the merged compose model) and its running
    /// containers, against rules from the CIS Docker Benchmark and compose linters.
    ///
    /// Exit status: 0 no open finding, 3 low, 4 medium, 5 high, 6 critical (the worst open
    /// finding); 1 when the audit could not run. Accepted findings go in
    /// <profile>/audit-ignore.toml (rule, service, reason, optional expiry) and are still listed.
    #[command(verbatim_doc_comment)]
    Audit {
        /// Only the files (no Docker engine needed).
        #[arg(long = "static", conflicts_with = "runtime")]
        static_only: bool,
        /// Only the running containers.
        #[arg(long)]
        runtime: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: AuditFormat,
        /// List the rules (id, severity, reference, rationale, fix) and exit.
        #[arg(long)]
        rules: bool,
    },
    /// Watch the project and reload exactly what changed (app, proxy config, stack files),
    /// printing each reload's steps with their durations.
    Watch,
    /// Ask the running dashboard (or `stack-tui watch`) for this project to reload a part now,
    /// as if one of its files had changed, and print that reload's timeline (like `tilt
    /// trigger`). Exit status: 0 when the reload succeeded, 1 when it failed or was refused.
    /// Without --profile, the profile the dashboard shows is reloaded.
    Reload {
        #[arg(value_enum)]
        part: ReloadPart,
    },
    /// Run `docker compose` with the profile's files, env files and project name, e.g.
    /// `stack-tui --profile dev compose -- ps -a`.
    Compose {
        /// Arguments for docker compose (after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        args: Vec<String>,
    },
    /// Print a shell completion script: `stack-tui completions bash > ~/.local/share/bash-completion/completions/stack-tui`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual page (roff) to stdout, or stack-tui.1 and one page per subcommand
    /// into --out DIR (e.g. ~/.local/share/man/man1).
    Man {
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Fault drills against the running profile: a steady client load through nginx, a fault
    /// (kill -9 or pause of a service), the heal, and a report of what clients saw against the
    /// drill's expectation. Exit status: 0 all passed, 3 a drill failed, 1 nothing ran.
    Drill {
        #[command(subcommand)]
        action: DrillAction,
    },
    /// Back up the profile's data: a pg_dump of the app database (custom format) and a copy of
    /// Redis' persistence files after a fresh BGREWRITEAOF (or BGSAVE), streamed out through the
    /// Engine API into a new folder <out>/<profile>-<UTC time>/ (folders 0700, files 0600) with
    /// manifest.json (profile, time, images and versions, sizes, sha256 of each file).
    Backup {
        /// Where the dated folder goes (default: backups/ in the project directory).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Restore a backup folder into the running profile: checks the manifest and every file's
    /// sha256 first (nothing is touched otherwise), refuses another server major version, asks
    /// on prod, then pg_restore --clean in one transaction, Redis' files swapped in and Redis
    /// restarted, and the app's /health/ready checked through nginx.
    Restore {
        /// A folder `stack-tui backup` wrote.
        folder: PathBuf,
        /// Don't ask for confirmation on prod (for scripts).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Take the profile beyond one machine: Kubernetes (SpinKube) manifests, or the app as an
    /// OCI artifact.
    Export {
        #[command(subcommand)]
        target: ExportTarget,
    },
}

/// `drill list` / `drill run`.
#[derive(Debug, Subcommand)]
pub enum DrillAction {
    /// The drills: target, profiles, fault, heal, load, expected outcome and checks.
    List,
    /// Run drills (by name, or --all that apply to the profile). Prod needs --allow-prod.
    Run {
        /// Drills to run (see `stack-tui drill list`).
        names: Vec<String>,
        /// Every drill that applies to the profile, in the catalogue's order.
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Print one JSON report instead of text.
        #[arg(long)]
        json: bool,
        /// Client requests per second (kept under four fifths of nginx's per-client rate).
        #[arg(long, default_value_t = 15)]
        rate: u32,
        /// Writes per round of postgres-kill-durability.
        #[arg(long, default_value_t = 500)]
        writes: u64,
        /// Rounds of postgres-kill-durability (each: write, kill the postmaster, read back).
        #[arg(long, default_value_t = 1)]
        rounds: u32,
    },
}

/// Output of the commands that print a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// The parts `stack-tui reload` can ask for (the dashboard's `:reload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReloadPart {
    /// Rebuild and swap the app component (local) or roll out new replicas (dev, prod).
    App,
    /// Check and reload nginx's configuration.
    Proxy,
    /// Apply the compose files and env files (`docker compose up -d`).
    Stack,
    /// Run the schema migrations (compose/db/migrations) against the running database: the
    /// one-shot migrate service (`docker compose run --rm --no-deps -T migrate`).
    Db,
}

#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// Write the profile as a kustomize-ready folder for SpinKube: SpinApp, nginx, Redis and
    /// Postgres, NetworkPolicies, Secrets (placeholders unless --include-secrets), README.md.
    Kube {
        /// Folder to write (default: ./<project>-kube, e.g. ./stack-prod-kube).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
        /// The app's OCI artifact, as pushed by `stack-tui export image --push REF`.
        #[arg(long)]
        image: Option<String>,
        /// Put the real secret values from env/secrets/ into secrets.yaml (a warning says so).
        #[arg(long)]
        include_secrets: bool,
        /// The container image with edge-host that runs the migrations Job: the stack's app
        /// image (`stack-tui/app:<profile>`) pushed to a registry.
        #[arg(long)]
        migrate_image: Option<String>,
    },
    /// Write the Spin app (component + locked manifest) as an OCI archive for platform
    /// wasi/wasm, the artifact containerd-shim-spin runs; optionally push it to a registry.
    Image {
        /// Archive to write (default: ./<app>-<version>.oci.tar).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
        /// Also push it, e.g. registry.example.com/team/edge-app:0.1.0 (with skopeo; TLS is
        /// verified except for localhost / 127.0.0.1 / [::1] registries).
        #[arg(long)]
        push: Option<String>,
    },
}

/// How `audit` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Sarif,
}

/// `stack-tui logs`: which lines, from when, and how they are printed.
#[derive(Debug, Clone, clap::Args)]
pub struct LogsArgs {
    /// Services to show (every service when none is named).
    pub services: Vec<String>,
    /// Keep printing new lines, also from containers of these services that start later (the
    /// new replicas of a rollout), until interrupted.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only lines matching this regex (`!REGEX`: only lines not matching it).
    #[arg(long, value_name = "REGEX", value_parser = parse_filter)]
    pub grep: Option<stack_core::logs::LogFilter>,
    /// Only lines from this time on: 90s, 10m, 1h30m, 2d (that long ago), a unix time or an
    /// RFC 3339 time.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only lines before this time (the same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "follow")]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Only the last N lines of each container (then new ones with --follow).
    #[arg(long, short = 'n', value_name = "N")]
    pub tail: Option<u32>,
    /// No colours, and the containers' own ANSI escape codes taken out (also with NO_COLOR).
    #[arg(long)]
    pub no_color: bool,
    /// One JSON object per line: time, service, container, stream, level, text.
    #[arg(long)]
    pub json: bool,
    /// The lines of one request from every service (nginx's and the app's access lines carry
    /// its request_id; answers carry it as X-Request-Id), then nginx's request_time and
    /// upstream_response_time and the app's duration_ms.
    #[arg(long, value_name = "ID", conflicts_with_all = ["follow", "tail", "grep"])]
    pub request: Option<String>,
}

fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    stack_core::logs::parse_when(text, chrono::Utc::now())
}

fn parse_filter(text: &str) -> Result<stack_core::logs::LogFilter, String> {
    stack_core::logs::LogFilter::new(text)
}
