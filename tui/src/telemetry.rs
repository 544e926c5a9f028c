//! Diagnostics go to a daily-rolling file in the XDG state dir, never to the terminal we draw on.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

const KEEP_FILES: usize = 7;

/// Keep the guard alive for the whole program: dropping it flushes and stops the writer thread.
pub struct FileLog {
    pub guard: WorkerGuard,
    /// The directory and file pattern, for `?` help and the README.
    pub location: PathBuf,
}

/// Starts file logging; a failure (read-only home, full disk) is reported and otherwise ignored.
pub fn init(dir: &Path) -> Result<FileLog, String> {
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("stack-tui")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|err| format!("cannot open a log file in {}: {err}", dir.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env("STACK_TUI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|err| format!("logging already initialised: {err}"))?;
    Ok(FileLog {
        guard,
        location: dir.join("stack-tui.YYYY-MM-DD.log"),
    })
}
