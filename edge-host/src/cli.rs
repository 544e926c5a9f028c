//! Command-line interface.
#![allow(
    rustdoc::invalid_html_tags,
    reason = "doc comments here are clap's --help text, where `V<n>__<name>.sql` is read as written"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::runtime::engine::Limits;

/// Bytes in one `--memory-limit-mb` unit.
pub const MIB: usize = 1024 * 1024;

/// A default duration in the milliseconds its flag takes.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[derive(Debug, Parser)]
#[command(
    name = "edge-host",
    version,
    about = "Serve a Spin HTTP component on wasmtime"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the application described by a Spin manifest.
    Serve(ServeArgs),
    /// GET a URL; exit 0 on a 2xx answer, 1 otherwise (for container health checks).
    Healthcheck {
        url: String,
        /// Give up after this many milliseconds.
        #[arg(long, default_value_t = 3000)]
        timeout_ms: u64,
        /// Print the response body instead of the status line (e.g. /.well-known/spin/info
        /// from inside a container that has no other HTTP client).
        #[arg(long)]
        print_body: bool,
    },
    /// Load, compile and link every component, print their imports, and exit.
    Check {
        #[arg(long)]
        manifest: PathBuf,
        /// Spin runtime config whose stores the manifest's components may name.
        #[arg(long, env = "EDGE_HOST_RUNTIME_CONFIG")]
        runtime_config_file: Option<PathBuf>,
    },
    /// Compile components into the compiled-component cache (EDGE_HOST_COMPONENT_CACHE) with the
    /// engine `serve` uses by default, so serving or swapping in the same bytes skips compilation.
    Precompile {
        #[arg(required = true)]
        components: Vec<PathBuf>,
    },
    /// Apply the numbered SQL migrations of a folder (V<n>__<name>.sql) in order, each in a
    /// transaction, recorded with its checksum in `schema_migrations`.
    Migrate(MigrateArgs),
}

/// `edge-host migrate`: where the migrations are and how to reach Postgres. The password comes
/// from a file only (a Docker secret), never from an argument or an environment value.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Folder holding V<n>__<name>.sql files.
    #[arg(long, env = "EDGE_HOST_MIGRATIONS_DIR", default_value = "/migrations")]
    pub dir: PathBuf,
    #[arg(long, env = "EDGE_HOST_PG_HOST", default_value = "postgres")]
    pub host: String,
    #[arg(long, env = "EDGE_HOST_PG_PORT", default_value_t = 5432)]
    pub port: u16,
    #[arg(long, env = "EDGE_HOST_PG_USER", default_value = "app")]
    pub user: String,
    #[arg(long, env = "EDGE_HOST_PG_DATABASE", default_value = "app")]
    pub database: String,
    /// File holding the role's password (one trailing newline is ignored).
    #[arg(long, env = "EDGE_HOST_PG_PASSWORD_FILE")]
    pub password_file: Option<PathBuf>,
    /// Give up connecting after this long (refused connections are retried until then).
    #[arg(
        long,
        env = "EDGE_HOST_MIGRATE_CONNECT_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub connect_timeout_ms: u64,
    /// How long to wait for another migration run to finish (they never interleave).
    #[arg(long, env = "EDGE_HOST_MIGRATE_LOCK_WAIT_MS", default_value_t = 60_000)]
    pub lock_wait_ms: u64,
    /// List applied and pending migrations and check the history; apply nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Path to spin.toml; component sources are relative to it.
    #[arg(long, env = "EDGE_HOST_MANIFEST")]
    pub manifest: PathBuf,
    /// Address for application traffic.
    #[arg(long, env = "EDGE_HOST_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Address for /metrics and /admin/reload (keep it private).
    #[arg(long, env = "EDGE_HOST_ADMIN")]
    pub admin: Option<SocketAddr>,
    /// Address for a read-only listener that serves GET /metrics and nothing else (no
    /// reload), for a Prometheus on the container's network. Off unless given.
    #[arg(long, env = "EDGE_HOST_METRICS")]
    pub metrics: Option<SocketAddr>,
    /// Per-request deadline; the guest is interrupted when it passes.
    #[arg(
        long,
        env = "EDGE_HOST_REQUEST_TIMEOUT_MS",
        default_value_t = millis(Limits::default().request_timeout),
    )]
    pub request_timeout_ms: u64,
    /// Linear-memory cap per component instance.
    #[arg(
        long,
        env = "EDGE_HOST_MEMORY_LIMIT_MB",
        default_value_t = Limits::default().memory_limit / MIB,
    )]
    pub memory_limit_mb: usize,
    /// Largest request body accepted (413 above it).
    #[arg(
        long,
        env = "EDGE_HOST_MAX_BODY_BYTES",
        default_value_t = Limits::default().max_body_bytes,
    )]
    pub max_body_bytes: u64,
    /// Component instances alive at once (pooling allocator size).
    #[arg(long, env = "EDGE_HOST_MAX_INSTANCES", default_value_t = Limits::default().max_instances)]
    pub max_instances: u32,
    /// Connect and round-trip timeout for Redis, Postgres and MQTT (an MQTT publish waits this
    /// long for the broker's acknowledgement). Half a second keeps a hung dependency's 503
    /// within one second.
    #[arg(
        long,
        env = "EDGE_HOST_OUTBOUND_TIMEOUT_MS",
        default_value_t = millis(Limits::default().outbound_timeout),
    )]
    pub outbound_timeout_ms: u64,
    /// Longest one Postgres statement may run; past it the guest gets an error and the server is
    /// asked to cancel the statement (a locked table or a paused server then costs a request at
    /// most this).
    #[arg(
        long,
        env = "EDGE_HOST_QUERY_TIMEOUT_MS",
        default_value_t = millis(Limits::default().query_timeout),
    )]
    pub query_timeout_ms: u64,
    /// Most Postgres connections edge-host keeps per address. A request that finds every one in
    /// use for the outbound timeout gets "connection pool exhausted" (SQLSTATE 53300), which the
    /// app answers as an overloaded dependency (503 with Retry-After), not as an outage.
    #[arg(
        long,
        env = "EDGE_HOST_PG_POOL_SIZE",
        default_value_t = Limits::default().pg_pool_size,
    )]
    pub pg_pool_size: usize,
    /// How long SIGTERM waits for in-flight requests.
    #[arg(long, env = "EDGE_HOST_DRAIN_SECONDS", default_value_t = 10)]
    pub drain_seconds: u64,
    /// Directory for the application's local state, such as the `default` SQLite database
    /// (`sqlite_db.db`). Default: `.spin` beside the manifest, created on first use.
    #[arg(long, env = "EDGE_HOST_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Spin runtime config (runtime-config.toml): key-value stores and SQLite databases.
    #[arg(long, env = "EDGE_HOST_RUNTIME_CONFIG")]
    pub runtime_config_file: Option<PathBuf>,
    /// Do not watch the component files for changes.
    #[arg(long, env = "EDGE_HOST_NO_WATCH", value_parser = parse_no_watch)]
    pub no_watch: bool,
}

/// The switch values accepted from `EDGE_HOST_NO_WATCH` (any case).
const TRUE_WORDS: [&str; 3] = ["1", "true", "yes"];
const FALSE_WORDS: [&str; 3] = ["0", "false", "no"];

/// Parses a yes/no switch; `--no-watch` alone arrives here as "true".
pub fn parse_no_watch(value: &str) -> Result<bool, String> {
    let word = value.trim().to_ascii_lowercase();
    if TRUE_WORDS.contains(&word.as_str()) {
        Ok(true)
    } else if FALSE_WORDS.contains(&word.as_str()) {
        Ok(false)
    } else {
        Err(format!(
            "EDGE_HOST_NO_WATCH={value:?} is not a switch; use 1/0, true/false or yes/no"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_listener_is_off_unless_asked() {
        use clap::Parser;
        let parse = |extra: &[&str]| {
            let mut args = vec!["edge-host", "serve", "--manifest", "spin.toml"];
            args.extend_from_slice(extra);
            match Cli::try_parse_from(args).expect("valid arguments").command {
                Command::Serve(serve) => serve.metrics,
                other => panic!("parsed as {other:?}"),
            }
        };
        // clap reads the variable too; it would decide the first answer.
        assert!(std::env::var_os("EDGE_HOST_METRICS").is_none());
        assert_eq!(parse(&[]), None);
        assert_eq!(
            parse(&["--metrics", "0.0.0.0:9100"]),
            Some("0.0.0.0:9100".parse().expect("address"))
        );
    }

    #[test]
    fn no_watch_accepts_the_usual_switch_words_in_any_case() {
        for value in ["1", "true", "TRUE", "True", "yes", "YES", " yes "] {
            assert_eq!(parse_no_watch(value), Ok(true), "{value:?}");
        }
        for value in ["0", "false", "False", "no", "NO"] {
            assert_eq!(parse_no_watch(value), Ok(false), "{value:?}");
        }
    }

    #[test]
    fn no_watch_rejects_other_words_naming_the_variable_and_value() {
        for value in ["maybe", "2", "", "on-ish"] {
            let err = parse_no_watch(value).expect_err("not a switch word");
            assert!(err.contains("EDGE_HOST_NO_WATCH"), "{err}");
            assert!(err.contains(&format!("{value:?}")), "{err}");
        }
    }
}
