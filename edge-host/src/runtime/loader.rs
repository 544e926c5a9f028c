//! Turns a manifest into a servable application: compile (or load from cache), check imports,
//! link and pre-instantiate every component.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use super::cache::{CacheOutcome, ComponentCache, sha256_hex};
use crate::host::{self, ComponentPolicy, HostState, OutboundPolicy};
use crate::manifest::variables::ProcessEnv;
use crate::manifest::{App, ComponentSpec, ManifestError};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("component {component:?}: cannot read {path}: {source}")]
    Read {
        component: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("component {component:?} ({path}) does not compile: {message}")]
    Compile {
        component: String,
        path: PathBuf,
        message: String,
    },
    #[error(
        "component {component:?} imports {imports}, which edge-host does not implement \
         (it implements {supported})"
    )]
    Unsupported {
        component: String,
        imports: String,
        supported: String,
    },
    #[error("component {component:?} cannot be linked: {message}")]
    Link { component: String, message: String },
    #[error("component {component:?}: {source}")]
    Outbound {
        component: String,
        source: host::outbound::PatternError,
    },
    #[error(
        "component {component:?} uses {kind} {label:?}, which is not defined \
         (defined: {defined}; add [{section}.{label}] to the runtime config)"
    )]
    Undefined {
        component: String,
        kind: &'static str,
        section: &'static str,
        label: String,
        defined: String,
    },
}

/// One component ready to serve.
pub struct LoadedComponent {
    pub pre: ProxyPre<HostState>,
    pub policy: Arc<ComponentPolicy>,
    /// SHA-256 of the component file that was loaded (hex).
    pub source_sha256: String,
}

/// Routes plus pre-instantiated components: the unit that hot swap replaces atomically.
pub struct ServedApp {
    pub app: App,
    pub components: HashMap<String, LoadedComponent>,
    pub generation: u64,
    /// SHA-256 of the manifest this generation was loaded from (hex), so a deployment can check
    /// that what it wrote is what is served.
    pub manifest_sha256: String,
}

/// What loading needs that stays the same across reloads.
pub struct LoadContext {
    pub manifest: PathBuf,
    pub engine: Engine,
    pub linker: Arc<Linker<HostState>>,
    pub cache: ComponentCache,
    pub hostname: String,
    /// Key-value store labels that exist (the runtime config's plus `default`).
    pub key_value_labels: Vec<String>,
    /// SQLite database labels that exist (the runtime config's plus `default`).
    pub sqlite_labels: Vec<String>,
}

/// Every import of a compiled component, as `namespace:package/interface@version` names.
pub fn import_names(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

fn compile(ctx: &LoadContext, spec: &ComponentSpec) -> Result<(Component, String), LoadError> {
    let bytes = std::fs::read(&spec.source).map_err(|e| LoadError::Read {
        component: spec.id.clone(),
        path: spec.source.clone(),
        source: e,
    })?;
    let started = std::time::Instant::now();
    let (component, outcome) =
        ctx.cache
            .load(&ctx.engine, &bytes)
            .map_err(|e| LoadError::Compile {
                component: spec.id.clone(),
                path: spec.source.clone(),
                message: format!("{e:#}"),
            })?;
    tracing::info!(
        component = %spec.id,
        cache = if outcome == CacheOutcome::Hit { "hit" } else { "miss" },
        ms = started.elapsed().as_millis() as u64,
        "component ready"
    );
    Ok((component, sha256_hex(&bytes)))
}

fn policy(ctx: &LoadContext, spec: &ComponentSpec) -> Result<ComponentPolicy, LoadError> {
    let outbound = OutboundPolicy::new(&spec.allowed_outbound_hosts).map_err(|source| {
        LoadError::Outbound {
            component: spec.id.clone(),
            source,
        }
    })?;
    defined(
        spec,
        "key-value store",
        "key_value_store",
        &spec.key_value_stores,
        &ctx.key_value_labels,
    )?;
    defined(
        spec,
        "SQLite database",
        "sqlite_database",
        &spec.sqlite_databases,
        &ctx.sqlite_labels,
    )?;
    let mut environment: Vec<(String, String)> = spec
        .environment
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !spec.environment.contains_key("HOSTNAME") {
        environment.push(("HOSTNAME".to_string(), ctx.hostname.clone()));
    }
    Ok(ComponentPolicy {
        variables: spec.variables.clone(),
        outbound,
        key_value_stores: spec.key_value_stores.clone(),
        sqlite_databases: spec.sqlite_databases.clone(),
        environment,
    })
}

/// Every label the component names exists (Spin refuses to start otherwise, too).
fn defined(
    spec: &ComponentSpec,
    kind: &'static str,
    section: &'static str,
    named: &[String],
    existing: &[String],
) -> Result<(), LoadError> {
    match named.iter().find(|label| !existing.contains(label)) {
        Some(label) => Err(LoadError::Undefined {
            component: spec.id.clone(),
            kind,
            section,
            label: label.clone(),
            defined: existing.join(", "),
        }),
        None => Ok(()),
    }
}

/// Loads one component: compile, reject unsupported imports, link, pre-instantiate.
pub fn load_component(
    ctx: &LoadContext,
    spec: &ComponentSpec,
) -> Result<LoadedComponent, LoadError> {
    let (component, source_sha256) = compile(ctx, spec)?;
    let imports = import_names(&ctx.engine, &component);
    let unsupported: Vec<&str> = imports
        .iter()
        .map(String::as_str)
        .filter(|name| !host::is_supported_import(name))
        .collect();
    if !unsupported.is_empty() {
        return Err(LoadError::Unsupported {
            component: spec.id.clone(),
            imports: unsupported.join(", "),
            supported: host::SUPPORTED_IMPORTS
                .iter()
                .map(|prefix| prefix.trim_end_matches(['/', '@']))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let link_error = |e: wasmtime::Error| LoadError::Link {
        component: spec.id.clone(),
        message: format!("{e:#}"),
    };
    let pre = ctx.linker.instantiate_pre(&component).map_err(link_error)?;
    let pre = ProxyPre::new(pre).map_err(link_error)?;
    Ok(LoadedComponent {
        pre,
        policy: Arc::new(policy(ctx, spec)?),
        source_sha256,
    })
}

/// Loads the whole application from the manifest. Blocking (file I/O, compilation).
pub fn load_app(ctx: &LoadContext, generation: u64) -> Result<ServedApp, LoadError> {
    // Read before parsing: the digest then names the text that was parsed, or an older one.
    let manifest_sha256 = std::fs::read(&ctx.manifest)
        .map(|bytes| sha256_hex(&bytes))
        .unwrap_or_default();
    let app = App::load(&ctx.manifest, &ProcessEnv)?;
    for warning in &app.warnings {
        tracing::warn!(manifest = %ctx.manifest.display(), "{warning}");
    }
    let mut components = HashMap::new();
    for spec in app.components.values() {
        components.insert(spec.id.clone(), load_component(ctx, spec)?);
    }
    Ok(ServedApp {
        app,
        components,
        generation,
        manifest_sha256,
    })
}

/// Paths of every component source, for the file watcher.
pub fn source_paths(app: &App) -> Vec<PathBuf> {
    app.components.values().map(|c| c.source.clone()).collect()
}

/// The hostname passed to guests: `$HOSTNAME`, else the kernel's.
pub fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string(Path::new("/proc/sys/kernel/hostname"))
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
