//! `--runtime-config-file`: Spin's `runtime-config.toml`, the part edge-host implements.
//!
//! ```toml
//! [key_value_store.default]      # type "redis": shared by every replica
//! type = "redis"
//! url = "redis://:password@redis:6379/1"
//!
//! [key_value_store.cache]        # type "spin": in memory, or a SQLite file with `path`
//! type = "spin"
//!
//! [sqlite_database.default]      # type "spin": a SQLite file with `path`, else in memory
//! type = "spin"
//! path = "data/app.db"
//! ```
//!
//! Relative paths are relative to the file's folder, as in Spin. Anything else Spin's format
//! knows (other store types, `[variables_provider]`, `[llm_compute]`, …) is refused by name, so
//! a setting edge-host would ignore never looks applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::host::SqliteLocation;

/// Where one key-value store keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// In this process's memory: lost on exit, not shared between replicas.
    Memory,
    /// A SQLite file (Spin's `type = "spin"` with `path`).
    File(PathBuf),
    /// A Redis database, shared by every process that names it.
    Redis { url: String },
}

/// The runtime configuration: key-value stores and SQLite databases by label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    pub key_value_stores: BTreeMap<String, StoreConfig>,
    pub sqlite_databases: BTreeMap<String, SqliteLocation>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeConfigError {
    #[error("cannot read runtime config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "runtime config {path}: {message}edge-host supports [key_value_store.<label>] with type \
         \"spin\" (optional path) or \"redis\" (url), and [sqlite_database.<label>] with type \
         \"spin\" (optional path)"
    )]
    Invalid { path: PathBuf, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    key_value_store: BTreeMap<String, RawStore>,
    #[serde(default)]
    sqlite_database: BTreeMap<String, RawDatabase>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum RawStore {
    Spin { path: Option<PathBuf> },
    Redis { url: String },
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum RawDatabase {
    Spin { path: Option<PathBuf> },
}

/// The store and database every application has, configured or not (as in Spin).
const DEFAULT_LABEL: &str = "default";

impl RuntimeConfig {
    /// Key-value store labels that exist: `default` plus the configured ones.
    pub fn key_value_labels(&self) -> Vec<String> {
        with_default(self.key_value_stores.keys())
    }

    /// SQLite database labels that exist: `default` plus the configured ones.
    pub fn sqlite_labels(&self) -> Vec<String> {
        with_default(self.sqlite_databases.keys())
    }

    /// Reads and checks a runtime config file.
    pub fn load(path: &Path) -> Result<RuntimeConfig, RuntimeConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| RuntimeConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        RuntimeConfig::parse(&text, base).map_err(|message| RuntimeConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses the file's text; relative paths are joined to `base`. The error ends with a
    /// separator so the supported-settings summary can follow it.
    pub fn parse(text: &str, base: &Path) -> Result<RuntimeConfig, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| format!("{}; ", e.message()))?;
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let mut key_value_stores = BTreeMap::new();
        for (label, store) in raw.key_value_store {
            let config = match store {
                RawStore::Spin { path: None } => StoreConfig::Memory,
                RawStore::Spin { path: Some(p) } => StoreConfig::File(resolve(p)),
                RawStore::Redis { url } => {
                    check_redis_url(&url).map_err(|e| format!("key_value_store.{label}: {e}; "))?;
                    StoreConfig::Redis { url }
                }
            };
            key_value_stores.insert(label, config);
        }
        let sqlite_databases = raw
            .sqlite_database
            .into_iter()
            .map(|(label, RawDatabase::Spin { path })| {
                let config = path.map_or(SqliteLocation::InMemory, |p| {
                    SqliteLocation::File(resolve(p))
                });
                (label, config)
            })
            .collect();
        Ok(RuntimeConfig {
            key_value_stores,
            sqlite_databases,
        })
    }
}

fn with_default<'a>(configured: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut labels: Vec<String> = configured.cloned().collect();
    if !labels.iter().any(|label| label == DEFAULT_LABEL) {
        labels.insert(0, DEFAULT_LABEL.to_string());
    }
    labels
}

fn check_redis_url(url: &str) -> Result<(), String> {
    redis::Client::open(url)
        .map(drop)
        .map_err(|e| format!("url is not a Redis URL ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RuntimeConfig, String> {
        RuntimeConfig::parse(text, Path::new("/srv/app"))
    }

    #[test]
    fn stores_and_databases_of_each_kind() {
        let config = parse(
            r#"
            [key_value_store.default]
            type = "redis"
            url = "redis://:pw@redis:6379/1"

            [key_value_store.mem]
            type = "spin"

            [key_value_store.disk]
            type = "spin"
            path = "kv.db"

            [sqlite_database.default]
            type = "spin"
            path = "/data/app.db"
            "#,
        )
        .expect("valid");
        assert_eq!(
            config.key_value_stores["default"],
            StoreConfig::Redis {
                url: "redis://:pw@redis:6379/1".into()
            }
        );
        assert_eq!(config.key_value_stores["mem"], StoreConfig::Memory);
        assert_eq!(
            config.key_value_stores["disk"],
            StoreConfig::File("/srv/app/kv.db".into())
        );
        assert_eq!(
            config.sqlite_databases["default"],
            SqliteLocation::File("/data/app.db".into())
        );
    }

    #[test]
    fn what_edge_host_would_ignore_is_refused_by_name() {
        let unknown_type =
            parse("[key_value_store.x]\ntype = \"azure_cosmos\"\n").expect_err("type");
        assert!(unknown_type.contains("azure_cosmos"), "{unknown_type}");
        let unknown_section = parse("[llm_compute]\ntype = \"spin\"\n").expect_err("section");
        assert!(unknown_section.contains("llm_compute"), "{unknown_section}");
        let stray_key =
            parse("[key_value_store.x]\ntype = \"redis\"\nurl = \"redis://h\"\nttl = 3\n")
                .expect_err("key");
        assert!(stray_key.contains("ttl"), "{stray_key}");
        let bad_url =
            parse("[key_value_store.x]\ntype = \"redis\"\nurl = \"http://h\"\n").expect_err("url");
        assert!(bad_url.contains("key_value_store.x"), "{bad_url}");
        let no_url = parse("[key_value_store.x]\ntype = \"redis\"\n").expect_err("url missing");
        assert!(no_url.contains("url"), "{no_url}");
    }

    #[test]
    fn an_unreadable_file_names_itself() {
        let err = RuntimeConfig::load(Path::new("/nonexistent/runtime-config.toml"))
            .expect_err("missing file");
        assert!(
            err.to_string().contains("/nonexistent/runtime-config.toml"),
            "{err}"
        );
    }
}
