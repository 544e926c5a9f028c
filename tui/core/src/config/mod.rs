//! User configuration: embedded defaults, overridden by a TOML file in the XDG config dir.
//! A broken file never stops the dashboard: it is reported and the defaults are used.

pub mod hints;
pub mod keymap;
pub mod theme;

use keymap::{Keymap, KeymapOverrides};
use serde::Deserialize;
use std::path::Path;
use theme::{Theme, ThemeOverrides};

pub const DEFAULT_LOG_BUFFER_LINES: usize = 10_000;
/// Upper bound so a typo can't ask for gigabytes of log lines.
pub const MAX_LOG_BUFFER_LINES: usize = 1_000_000;
/// More failed probes in a row than a healthcheck would ever run in a day at its usual interval.
pub const MAX_UNHEALTHY_PROBES: i64 = 10_000;

#[derive(Debug, Clone)]
pub struct Config {
    pub keymap: Keymap,
    pub theme: Theme,
    pub log_buffer_lines: usize,
    /// Failed healthcheck runs in a row beyond which the Metrics panel flags a container.
    pub unhealthy_probes: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            keymap: Keymap::default(),
            theme: Theme::default(),
            log_buffer_lines: DEFAULT_LOG_BUFFER_LINES,
            unhealthy_probes: crate::metrics::flags::UNHEALTHY_PROBES,
        }
    }
}

/// The file's shape; every field optional so a file may override just one thing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    log_buffer_lines: Option<usize>,
    unhealthy_probes: Option<i64>,
    #[serde(default)]
    theme: ThemeOverrides,
    #[serde(default)]
    keys: KeymapOverrides,
}

/// A loaded config plus anything the user should be told about it.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

impl Config {
    /// Parses TOML text on top of the defaults; errors name what is wrong.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|err| err.to_string())?;
        let mut config = Self::default();
        if let Some(lines) = file.log_buffer_lines {
            if lines == 0 || lines > MAX_LOG_BUFFER_LINES {
                return Err(format!(
                    "log_buffer_lines = {lines} is out of range (1..={MAX_LOG_BUFFER_LINES})"
                ));
            }
            config.log_buffer_lines = lines;
        }
        if let Some(probes) = file.unhealthy_probes {
            if !(1..=MAX_UNHEALTHY_PROBES).contains(&probes) {
                return Err(format!(
                    "unhealthy_probes = {probes} is out of range (1..={MAX_UNHEALTHY_PROBES})"
                ));
            }
            config.unhealthy_probes = probes;
        }
        config.theme = config.theme.with(&file.theme)?;
        config.keymap = config.keymap.with(&file.keys)?;
        Ok(config)
    }

    /// Reads `path` if it exists; a missing file is normal, a broken one is a warning.
    pub fn load(path: &Path, no_color: bool) -> Loaded {
        let mut warnings = Vec::new();
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => Self::from_toml(&text).unwrap_or_else(|err| {
                warnings.push(format!(
                    "config {} ignored, using defaults: {}",
                    path.display(),
                    err.trim()
                ));
                Self::default()
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(err) => {
                warnings.push(format!("config {} unreadable: {err}", path.display()));
                Self::default()
            }
        };
        if no_color {
            config.theme = Theme::monochrome();
        }
        Loaded { config, warnings }
    }
}

/// `NO_COLOR` set to anything non-empty turns colour off (<https://no-color.org>).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}
