//! Spin manifest v2 (`spin.toml`): parsing, validation and the resolved application model.

mod raw;
pub mod routes;
pub mod template;
pub mod variables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use routes::{Route, RouteMatch, Router};
pub use variables::VariableSource;

/// Everything that can go wrong while turning a manifest into an [`App`].
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("manifest {path} is not valid TOML for a Spin manifest: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("unsupported spin_manifest_version {0} (edge-host reads version 2)")]
    Version(i64),
    #[error("trigger route {route:?}: {reason}")]
    Route { route: String, reason: String },
    #[error("trigger for route {route:?} names component {component:?}, which is not defined")]
    UnknownComponent { route: String, component: String },
    #[error("component {0:?} has no `source`, or its source is not a local file path")]
    Source(String),
    #[error(transparent)]
    Variable(#[from] variables::VariableError),
    #[error("component {component:?}: {source}")]
    Template {
        component: String,
        source: template::TemplateError,
    },
}

/// A component as the host needs it: where its code is and what it may touch.
#[derive(Debug, Clone)]
pub struct ComponentSpec {
    pub id: String,
    pub source: PathBuf,
    /// Patterns like `redis://host:6379`, with templates already expanded.
    pub allowed_outbound_hosts: Vec<String>,
    /// Component variables (names as the guest asks for them), templates expanded.
    pub variables: BTreeMap<String, String>,
    pub key_value_stores: Vec<String>,
    /// SQLite database labels the component may open.
    pub sqlite_databases: Vec<String>,
    pub environment: BTreeMap<String, String>,
}

/// A loaded and fully resolved application.
#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    pub version: String,
    pub base: String,
    pub router: Router,
    pub components: BTreeMap<String, ComponentSpec>,
    /// Human-readable notes about keys edge-host ignored.
    pub warnings: Vec<String>,
}

impl App {
    /// Reads, parses and resolves a manifest, taking variable values from `source`.
    pub fn load(path: &Path, source: &dyn VariableSource) -> Result<App, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError::Read {
            path: path.to_path_buf(),
            source: e,
        })?;
        let base_dir = path.parent().unwrap_or_else(|| Path::new("."));
        Self::from_str(&text, path, base_dir, source)
    }

    /// Parses manifest text; `source` paths are resolved against `base_dir`.
    pub fn from_str(
        text: &str,
        path: &Path,
        base_dir: &Path,
        source: &dyn VariableSource,
    ) -> Result<App, ManifestError> {
        let raw: raw::Manifest = toml::from_str(text).map_err(|e| ManifestError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if raw.spin_manifest_version != 2 {
            return Err(ManifestError::Version(raw.spin_manifest_version));
        }
        let mut warnings = Vec::new();
        raw.collect_unknown_keys(&mut warnings);

        let values = variables::resolve(&raw.variables, source)?;
        let mut components = BTreeMap::new();
        for (id, comp) in &raw.component {
            let spec = resolve_component(id, comp, base_dir, &values)?;
            components.insert(id.clone(), spec);
        }

        let mut routes = Vec::new();
        for trigger in &raw.trigger.http {
            let Some(route_text) = trigger.route.as_path() else {
                continue; // private route: reachable only by other components, never over HTTP
            };
            if !components.contains_key(&trigger.component) {
                return Err(ManifestError::UnknownComponent {
                    route: route_text.to_string(),
                    component: trigger.component.clone(),
                });
            }
            let route = Route::parse(route_text, &trigger.component).map_err(|reason| {
                ManifestError::Route {
                    route: route_text.to_string(),
                    reason,
                }
            })?;
            routes.push(route);
        }

        let app = &raw.application;
        let base = app
            .trigger
            .as_ref()
            .and_then(|t| t.http.as_ref())
            .and_then(|h| h.base.clone())
            .unwrap_or_else(|| "/".to_string());
        Ok(App {
            name: app.name.clone(),
            version: app.version.clone().unwrap_or_default(),
            base,
            router: Router::new(routes),
            components,
            warnings,
        })
    }
}

fn resolve_component(
    id: &str,
    comp: &raw::Component,
    base_dir: &Path,
    values: &BTreeMap<String, String>,
) -> Result<ComponentSpec, ManifestError> {
    let source = comp
        .source
        .as_ref()
        .and_then(|s| s.as_str())
        .ok_or_else(|| ManifestError::Source(id.to_string()))?;
    let expand = |text: &str| {
        template::expand(text, values).map_err(|e| ManifestError::Template {
            component: id.to_string(),
            source: e,
        })
    };
    let allowed_outbound_hosts = comp
        .allowed_outbound_hosts
        .iter()
        .map(|h| expand(h))
        .collect::<Result<Vec<_>, _>>()?;
    let mut component_variables = BTreeMap::new();
    for (name, text) in &comp.variables {
        component_variables.insert(name.clone(), expand(text)?);
    }
    Ok(ComponentSpec {
        id: id.to_string(),
        source: base_dir.join(source),
        allowed_outbound_hosts,
        variables: component_variables,
        key_value_stores: comp.key_value_stores.clone(),
        sqlite_databases: comp.sqlite_databases.clone(),
        environment: comp.environment.clone(),
    })
}

#[cfg(test)]
mod tests;
