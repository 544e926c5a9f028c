//! Application variables: manifest defaults < `SPIN_VARIABLE_<NAME>` < `SPIN_VARIABLE_<NAME>_FILE`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::raw;

#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    #[error(
        "required variable {name:?} has no value: set SPIN_VARIABLE_{upper} or SPIN_VARIABLE_{upper}_FILE"
    )]
    MissingRequired { name: String, upper: String },
    #[error("variable {name:?}: cannot read {path}: {source}")]
    File {
        name: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "variable name {0:?} is invalid: use lowercase letters, digits and underscores, starting with a letter"
    )]
    InvalidName(String),
}

/// Where variable values come from besides the manifest (the process environment in production).
pub trait VariableSource {
    fn env(&self, key: &str) -> Option<String>;
}

/// Reads `SPIN_VARIABLE_*` from the real process environment.
pub struct ProcessEnv;

impl VariableSource for ProcessEnv {
    fn env(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl VariableSource for BTreeMap<String, String> {
    fn env(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// Spin's rule for variable names (application and component).
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Resolves every application variable to a value, or fails naming the first required one missing.
pub fn resolve(
    declared: &BTreeMap<String, raw::Variable>,
    source: &dyn VariableSource,
) -> Result<BTreeMap<String, String>, VariableError> {
    let mut values = BTreeMap::new();
    for (name, decl) in declared {
        if !is_valid_name(name) {
            return Err(VariableError::InvalidName(name.clone()));
        }
        let upper = name.to_ascii_uppercase();
        let from_file = match source.env(&format!("SPIN_VARIABLE_{upper}_FILE")) {
            Some(path) => Some(read_secret_file(name, PathBuf::from(path))?),
            None => None,
        };
        let value = from_file
            .or_else(|| source.env(&format!("SPIN_VARIABLE_{upper}")))
            .or_else(|| decl.default.clone());
        match value {
            Some(v) => {
                values.insert(name.clone(), v);
            }
            None if decl.required => {
                return Err(VariableError::MissingRequired {
                    name: name.clone(),
                    upper,
                });
            }
            // Optional without default: templates that use it fail with a clear message.
            None => {}
        }
    }
    Ok(values)
}

/// Reads a Docker-secret style file; one trailing newline (as `echo` writes) is not part of the value.
fn read_secret_file(name: &str, path: PathBuf) -> Result<String, VariableError> {
    let mut text = std::fs::read_to_string(&path).map_err(|e| VariableError::File {
        name: name.to_string(),
        path: path.clone(),
        source: e,
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}
