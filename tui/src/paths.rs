//! Where stack-tui keeps its files, following the XDG base directory conventions.

use std::path::PathBuf;

fn xdg_dir(variable: &str, fallback_under_home: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(variable).filter(|value| !value.is_empty()) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME").filter(|value| !value.is_empty()) {
        Some(home) => PathBuf::from(home).join(fallback_under_home),
        // No HOME at all (a bare container): fall back to the temp dir rather than fail.
        None => std::env::temp_dir(),
    }
}

/// `$XDG_CONFIG_HOME/stack-tui` (default `~/.config/stack-tui`).
pub fn config_dir() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config").join("stack-tui")
}

/// The config file, overridable with `STACK_TUI_CONFIG`.
pub fn config_file() -> PathBuf {
    std::env::var_os("STACK_TUI_CONFIG")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| config_dir().join("config.toml"))
}

/// `$XDG_STATE_HOME/stack-tui` (default `~/.local/state/stack-tui`): the rolling log files.
pub fn state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state").join("stack-tui")
}
