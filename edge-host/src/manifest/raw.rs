//! The manifest exactly as written: serde types that keep unknown keys so they can be reported.
#![allow(
    dead_code,
    reason = "fields edge-host does not act on are still declared so they are not reported as unknown"
)]

use std::collections::BTreeMap;

use serde::Deserialize;

type Extra = BTreeMap<String, toml::Value>;

#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub spin_manifest_version: i64,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Deserialize)]
pub struct Application {
    pub name: String,
    pub version: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    pub description: Option<String>,
    pub trigger: Option<AppTriggers>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Deserialize)]
pub struct AppTriggers {
    pub http: Option<AppHttp>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Deserialize)]
pub struct AppHttp {
    pub base: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Default, Deserialize)]
pub struct Variable {
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Default, Deserialize)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Deserialize)]
pub struct HttpTrigger {
    pub route: RouteSpec,
    pub component: String,
    #[serde(default)]
    pub executor: Option<toml::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `route = "/path"` or `route = { private = true }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RouteSpec {
    Path(String),
    Private { private: bool },
}

impl RouteSpec {
    pub fn as_path(&self) -> Option<&str> {
        match self {
            RouteSpec::Path(p) => Some(p),
            RouteSpec::Private { .. } => None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Component {
    pub source: Option<toml::Value>,
    pub description: Option<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    pub build: Option<Build>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Deserialize)]
pub struct Build {
    pub command: Option<toml::Value>,
    #[serde(default)]
    pub watch: Vec<String>,
    pub workdir: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn note(warnings: &mut Vec<String>, table: &str, extra: &Extra) {
    for key in extra.keys() {
        warnings.push(format!("ignoring unknown key `{key}` in {table}"));
    }
}

impl Manifest {
    /// Lists every key edge-host does not understand, so the caller can warn about it.
    pub fn collect_unknown_keys(&self, warnings: &mut Vec<String>) {
        note(warnings, "the manifest", &self.extra);
        note(warnings, "[application]", &self.application.extra);
        if let Some(t) = &self.application.trigger {
            note(warnings, "[application.trigger]", &t.extra);
            if let Some(h) = &t.http {
                note(warnings, "[application.trigger.http]", &h.extra);
            }
        }
        for (name, v) in &self.variables {
            note(warnings, &format!("[variables.{name}]"), &v.extra);
        }
        note(warnings, "[trigger]", &self.trigger.extra);
        for t in &self.trigger.http {
            note(warnings, "[[trigger.http]]", &t.extra);
        }
        for (id, c) in &self.component {
            note(warnings, &format!("[component.{id}]"), &c.extra);
            if let Some(b) = &c.build {
                note(warnings, &format!("[component.{id}.build]"), &b.extra);
            }
        }
    }
}
