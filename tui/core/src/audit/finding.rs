//! What an audit reports: findings with a severity and where they were seen.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    pub fn label(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The process exit code when this is the worst open finding (0 means clean, 1 an error and
    /// 2 a usage error, as clap uses it).
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Low => 3,
            Self::Medium => 4,
            Self::High => 5,
            Self::Critical => 6,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a finding was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The profile's files (the merged compose model).
    Static,
    /// A running container.
    Runtime,
    /// A running container that no longer matches the files.
    Drift,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Runtime => "runtime",
            Self::Drift => "drift",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub service: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub origin: Origin,
    /// What exactly was seen, e.g. `cap_add: NET_RAW`.
    pub evidence: String,
}

/// A finding that a suppression in `audit-ignore.toml` covers; reported, never hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub finding: Finding,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}
