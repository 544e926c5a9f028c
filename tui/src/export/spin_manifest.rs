//! The app's Spin manifest (`spin.toml`, manifest version 2): the parts both exports read.

use super::ExportError;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
pub struct SpinManifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDecl>,
    /// Trigger type → its trigger tables (`[[trigger.http]]`).
    #[serde(default)]
    pub trigger: BTreeMap<String, Vec<toml::Table>>,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VariableDecl {
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Component {
    /// A file path relative to the manifest (the only source kind this project uses).
    pub source: String,
    pub description: Option<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

impl SpinManifest {
    pub fn load(path: &Path) -> Result<Self, ExportError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|reason| ExportError::Manifest {
            path: path.to_path_buf(),
            reason,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Self = toml::from_str(text).map_err(|err| err.to_string())?;
        if manifest.spin_manifest_version != 2 {
            return Err(format!(
                "spin_manifest_version is {}, only 2 is supported",
                manifest.spin_manifest_version
            ));
        }
        for (name, variable) in &manifest.variables {
            // Spin's own rule: a variable is either required or has a default, never both.
            if variable.required == variable.default.is_some() {
                return Err(format!(
                    "variable {name:?} must be `required` or have a `default` (not both)"
                ));
            }
        }
        if manifest.component.is_empty() {
            return Err("no [component.*] table".into());
        }
        Ok(manifest)
    }

    /// The component files, by component id, resolved against the manifest's folder.
    pub fn component_paths(&self, manifest_path: &Path) -> BTreeMap<String, PathBuf> {
        let dir = manifest_path.parent().unwrap_or(Path::new("."));
        self.component
            .iter()
            .map(|(id, component)| (id.clone(), dir.join(&component.source)))
            .collect()
    }

    /// Variables that name a host: those in the host position of an `allowed_outbound_hosts`
    /// template (`redis://{{ redis_host }}:{{ redis_port }}`).
    pub fn host_variables(&self) -> BTreeSet<String> {
        self.component
            .values()
            .flat_map(|component| component.allowed_outbound_hosts.iter())
            .filter_map(|pattern| {
                let host = pattern
                    .split_once("://")
                    .map_or(pattern.as_str(), |(_, rest)| rest);
                let name = host.strip_prefix("{{")?.split_once("}}")?.0.trim();
                Some(name.to_string())
            })
            .collect()
    }

    /// Every key-value store any component opens.
    pub fn key_value_stores(&self) -> Vec<String> {
        let mut stores: Vec<String> = self
            .component
            .values()
            .flat_map(|component| component.key_value_stores.iter().cloned())
            .collect();
        stores.sort();
        stores.dedup();
        stores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_project_manifest() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../edge-app/spin.toml");
        let manifest = SpinManifest::load(&path).expect("edge-app/spin.toml parses");
        assert_eq!(manifest.application.name, "edge-app");
        assert!(manifest.variables["redis_password"].secret);
        assert!(!manifest.variables["message"].secret);
        assert_eq!(manifest.key_value_stores(), ["default"]);
        assert_eq!(manifest.trigger["http"].len(), 1);
        assert_eq!(
            manifest.host_variables().into_iter().collect::<Vec<_>>(),
            ["pg_host", "redis_host"]
        );
    }

    #[test]
    fn rejects_what_spin_rejects() {
        let both = "spin_manifest_version = 2\n[application]\nname = \"a\"\n\
                    [variables]\nx = { default = \"1\", required = true }\n\
                    [component.a]\nsource = \"a.wasm\"\n";
        assert!(
            SpinManifest::parse(both)
                .expect_err("invalid")
                .contains("\"x\"")
        );
        let v1 = "spin_manifest_version = 1\n[application]\nname = \"a\"\n";
        assert!(SpinManifest::parse(v1).is_err());
        assert!(SpinManifest::parse("not toml [").is_err());
    }
}
