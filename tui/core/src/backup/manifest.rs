//! `manifest.json`: what a backup folder holds (profile, time, the servers it came from, every
//! file with its size and sha256). Restore reads it first and refuses a folder it does not
//! describe exactly.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The manifest's file name inside a backup folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The Postgres dump (`pg_dump --format=custom`).
pub const POSTGRES_FILE: &str = "postgres.dump";
/// Redis' persistence files as the Engine API's archive download gives them (a tar).
pub const REDIS_FILE: &str = "redis.tar";
/// The manifest layout this version writes and reads.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// The program that wrote it, e.g. `stack-tui 0.1.0`.
    pub tool: String,
    pub profile: String,
    pub project: String,
    pub created: DateTime<Utc>,
    pub postgres: PostgresPart,
    pub redis: RedisPart,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresPart {
    /// The container's image, e.g. `postgres:15.14-alpine3.22`.
    pub image: String,
    /// `SHOW server_version`, e.g. `15.14` or `15.14 (Debian 15.14-0+deb12u1)`.
    pub version: String,
    pub database: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisPart {
    pub image: String,
    /// `redis_version` from `INFO server`, e.g. `7.0.15`.
    pub version: String,
    pub persistence: RedisPersistence,
    /// The archive's top entry inside Redis' `dir`: the AOF folder (`appenddirname`) or the
    /// RDB file (`dbfilename`).
    pub path: String,
    /// Keys in all databases when it was saved (`INFO keyspace`), to say what a restore brings
    /// back.
    pub keys: u64,
}

/// Which of Redis' persistence files the backup holds; restore needs a server that loads the
/// same kind at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RedisPersistence {
    /// The append-only folder after `BGREWRITEAOF` (`appendonly yes`, the stack's setting).
    Aof,
    /// The RDB snapshot after `BGSAVE` (`appendonly no`).
    Rdb,
}

impl RedisPersistence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aof => "append-only file",
            Self::Rdb => "RDB snapshot",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub name: String,
    pub bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("{MANIFEST_FILE} is not valid: {0}")]
    Syntax(String),
    #[error("{MANIFEST_FILE} has format {found}; this stack-tui reads format {FORMAT}")]
    Format { found: u32 },
    #[error("{MANIFEST_FILE} lists no {0}: the backup is partial")]
    MissingFile(&'static str),
    #[error("{MANIFEST_FILE} lists {0} more than once")]
    DuplicateFile(String),
    #[error("{MANIFEST_FILE} lists {0}, which no backup holds")]
    UnknownFile(String),
    #[error("{MANIFEST_FILE}: the sha256 of {name} is not 64 hex digits: {value:?}")]
    BadChecksum { name: String, value: String },
    #[error("{MANIFEST_FILE}: {field} {value:?} is not a plain name")]
    BadName { field: &'static str, value: String },
    #[error("{MANIFEST_FILE}: {field} is empty")]
    Empty { field: &'static str },
}

impl Manifest {
    /// Parses and checks a manifest: the format, exactly the files a backup holds, checksums
    /// that are checksums, and names that are safe to use as paths.
    pub fn from_json(text: &str) -> Result<Self, ManifestError> {
        let manifest: Self =
            serde_json::from_str(text).map_err(|err| ManifestError::Syntax(err.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.format != FORMAT {
            return Err(ManifestError::Format { found: self.format });
        }
        plain_name("profile", &self.profile)?;
        non_empty("project", &self.project)?;
        non_empty("postgres.version", &self.postgres.version)?;
        non_empty("redis.version", &self.redis.version)?;
        plain_name("redis.path", &self.redis.path)?;
        let mut seen: Vec<&str> = Vec::new();
        for file in &self.files {
            if ![POSTGRES_FILE, REDIS_FILE].contains(&file.name.as_str()) {
                return Err(ManifestError::UnknownFile(file.name.clone()));
            }
            if seen.contains(&file.name.as_str()) {
                return Err(ManifestError::DuplicateFile(file.name.clone()));
            }
            seen.push(&file.name);
            let hex = file.sha256.len() == 64
                && file
                    .sha256
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            if !hex {
                return Err(ManifestError::BadChecksum {
                    name: file.name.clone(),
                    value: file.sha256.clone(),
                });
            }
        }
        for wanted in [POSTGRES_FILE, REDIS_FILE] {
            if !seen.contains(&wanted) {
                return Err(ManifestError::MissingFile(wanted));
            }
        }
        Ok(())
    }

    pub fn file(&self, name: &str) -> Option<&FileEntry> {
        self.files.iter().find(|file| file.name == name)
    }

    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|file| file.bytes).sum()
    }
}

fn non_empty(field: &'static str, value: &str) -> Result<(), ManifestError> {
    if value.trim().is_empty() {
        return Err(ManifestError::Empty { field });
    }
    Ok(())
}

/// One path component of letters, digits, `.`, `-`, `_` (and not `.` or `..`).
fn plain_name(field: &'static str, value: &str) -> Result<(), ManifestError> {
    non_empty(field, value)?;
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && value != "."
        && value != "..";
    if !plain {
        return Err(ManifestError::BadName {
            field,
            value: value.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn sample() -> Manifest {
        Manifest {
            format: FORMAT,
            tool: "stack-tui 0.1.0".into(),
            profile: "local".into(),
            project: "stack-local".into(),
            created: Utc
                .with_ymd_and_hms(2026, 12, 3, 11, 45, 0)
                .single()
                .expect("a valid time"),
            postgres: PostgresPart {
                image: "postgres:15.14-alpine3.22".into(),
                version: "15.14".into(),
                database: "app".into(),
            },
            redis: RedisPart {
                image: "redis:7.4.2-alpine3.21".into(),
                version: "7.4.2".into(),
                persistence: RedisPersistence::Aof,
                path: "appendonlydir".into(),
                keys: 3,
            },
            files: vec![
                FileEntry {
                    name: POSTGRES_FILE.into(),
                    bytes: 2048,
                    sha256: "a".repeat(64),
                },
                FileEntry {
                    name: REDIS_FILE.into(),
                    bytes: 10240,
                    sha256: "0123456789abcdef".repeat(4),
                },
            ],
        }
    }

    #[test]
    fn a_manifest_round_trips_through_json() {
        let manifest = sample();
        let text = manifest.to_json();
        assert!(text.contains("\"persistence\": \"aof\""), "{text}");
        assert!(
            text.contains("\"created\": \"2026-12-03T11:45:00Z\""),
            "{text}"
        );
        assert_eq!(Manifest::from_json(&text), Ok(manifest.clone()));
        assert_eq!(manifest.total_bytes(), 12288);
        assert_eq!(manifest.file(REDIS_FILE).map(|f| f.bytes), Some(10240));
    }

    /// Each broken manifest and the words its error must contain.
    #[test]
    fn bad_manifests_are_refused_naming_the_problem() {
        let edit = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut value = serde_json::to_value(sample()).expect("to value");
            change(&mut value);
            value.to_string()
        };
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "not valid"),
            ("{\"format\": 1}".into(), "missing field"),
            (edit(&|v| v["format"] = 2.into()), "format 2"),
            (edit(&|v| v["extra"] = 1.into()), "unknown field `extra`"),
            (
                edit(&|v| v["files"].as_array_mut().expect("files").truncate(1)),
                "lists no redis.tar: the backup is partial",
            ),
            (
                edit(&|v| v["files"][1]["name"] = POSTGRES_FILE.into()),
                "postgres.dump more than once",
            ),
            (
                edit(&|v| v["files"][0]["name"] = "../etc/passwd".into()),
                "../etc/passwd, which no backup holds",
            ),
            (
                edit(&|v| v["files"][0]["sha256"] = "ABC".into()),
                "sha256 of postgres.dump is not 64 hex digits",
            ),
            (
                edit(&|v| v["files"][1]["sha256"] = "G".repeat(64).into()),
                "sha256 of redis.tar",
            ),
            (edit(&|v| v["redis"]["path"] = "../x".into()), "redis.path"),
            (
                edit(&|v| v["redis"]["path"] = "..".into()),
                "not a plain name",
            ),
            (edit(&|v| v["profile"] = "a/b".into()), "profile"),
            (
                edit(&|v| v["postgres"]["version"] = " ".into()),
                "postgres.version is empty",
            ),
            (
                edit(&|v| v["redis"]["persistence"] = "both".into()),
                "unknown variant `both`",
            ),
            (
                edit(&|v| v["files"][0]["bytes"] = (-1).into()),
                "invalid value",
            ),
        ];
        for (text, expected) in cases {
            let error = Manifest::from_json(&text).expect_err(expected).to_string();
            assert!(error.contains(expected), "{expected:?} not in {error:?}");
            assert!(error.contains(MANIFEST_FILE), "{error}");
        }
    }
}
