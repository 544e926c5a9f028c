use stack_core::model::ComposeError;
use std::path::PathBuf;

/// Every variant names what went wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}. Fix: pass --out with a directory you can write to")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a usable Spin manifest: {reason}")]
    Manifest { path: PathBuf, reason: String },
    #[error("the component {path} does not exist. Fix: build it with `cargo xtask build-app`")]
    MissingComponent { path: PathBuf },
    #[error("profile {profile}: {reason}")]
    Model { profile: String, reason: String },
    #[error(
        "--include-secrets: cannot read the secret {path}: {source}. Fix: run compose/prepare \
         (it generates env/secrets/), or export without --include-secrets to get placeholders"
    )]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot push to {reference}: {reason}")]
    Push { reference: String, reason: String },
    #[error("cannot serialize {what}: {reason}")]
    Serialize { what: String, reason: String },
}

impl ExportError {
    pub(crate) fn model(profile: &str, reason: impl Into<String>) -> Self {
        Self::Model {
            profile: profile.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn serialize(what: &str, error: impl std::fmt::Display) -> Self {
        Self::Serialize {
            what: what.to_string(),
            reason: error.to_string(),
        }
    }
}
