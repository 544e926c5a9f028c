//! `edge-host check`: load, compile and link without serving; print each component's imports.
//! `edge-host precompile`: fill the compiled-component cache ahead of a load or swap.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::host::{build_linker, is_supported_import};
use std::collections::BTreeMap;

use crate::manifest::variables::{ProcessEnv, VariableError, VariableSource};
use crate::manifest::{App, ManifestError};
use crate::runtime::cache::{CacheOutcome, ComponentCache};
use crate::runtime::engine::{Limits, build_engine, build_engine_reusing_functions};
use crate::runtime::function_cache::FunctionCache;
use crate::runtime::loader::{LoadContext, host_name, import_names, load_component};
use crate::runtime_config::RuntimeConfig;

/// Compiling and linking needs no secrets: a required variable without a value here (a database
/// password) gets a placeholder, and check says which, instead of failing.
struct WithPlaceholders(BTreeMap<String, String>);

impl VariableSource for WithPlaceholders {
    fn env(&self, key: &str) -> Option<String> {
        ProcessEnv.env(key).or_else(|| self.0.get(key).cloned())
    }
}

/// Loads the manifest, filling in required variables that have no value (at most one per
/// declared variable, so this ends).
fn load_for_check(manifest: &Path) -> Result<App, ManifestError> {
    let mut source = WithPlaceholders(BTreeMap::new());
    loop {
        match App::load(manifest, &source) {
            Err(ManifestError::Variable(VariableError::MissingRequired { name, upper }))
                if !source.0.contains_key(&format!("SPIN_VARIABLE_{upper}")) =>
            {
                println!(
                    "variable {name}: no value here (required when serving); checked with a placeholder"
                );
                source
                    .0
                    .insert(format!("SPIN_VARIABLE_{upper}"), "placeholder".into());
            }
            other => return other,
        }
    }
}

pub fn run(manifest: &Path, runtime_config: &RuntimeConfig, limits: &Limits) -> anyhow::Result<()> {
    let app = load_for_check(manifest)?;
    for warning in &app.warnings {
        eprintln!("warning: {warning}");
    }
    let engine = build_engine(limits)?;
    let ctx = LoadContext {
        manifest: manifest.to_path_buf(),
        linker: Arc::new(build_linker(&engine)?),
        engine,
        cache: ComponentCache::from_env(),
        hostname: host_name(),
        // From the config alone: checking must not open stores or create database files.
        key_value_labels: runtime_config.key_value_labels(),
        sqlite_labels: runtime_config.sqlite_labels(),
    };
    println!("application {} {}", app.name, app.version);
    for route in app.router.routes() {
        println!("route {} -> {}", route.raw, route.component);
    }
    let mut failures = Vec::new();
    for spec in app.components.values() {
        println!("component {} ({})", spec.id, spec.source.display());
        let bytes = std::fs::read(&spec.source)
            .with_context(|| format!("cannot read {}", spec.source.display()))?;
        let (component, _) = ctx.cache.load(&ctx.engine, &bytes)?;
        for name in import_names(&ctx.engine, &component) {
            let mark = if is_supported_import(&name) {
                "ok"
            } else {
                "UNSUPPORTED"
            };
            println!("  import {name} [{mark}]");
        }
        if let Err(e) = load_component(&ctx, spec) {
            failures.push(e.to_string());
        }
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    println!("ok: every component compiles and links");
    Ok(())
}

/// Compiles each component into the cache; a build pipeline runs this before installing a new
/// component so that edge-host's swap finds it compiled.
pub fn precompile(components: &[std::path::PathBuf], limits: &Limits) -> anyhow::Result<()> {
    let cache = ComponentCache::from_env();
    let functions = cache.dir().map(|dir| Arc::new(FunctionCache::new(dir)));
    let engine = match &functions {
        Some(functions) => build_engine_reusing_functions(limits, functions.clone())?,
        None => build_engine(limits)?,
    };
    let mut looked_up = 0;
    for path in components {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let started = std::time::Instant::now();
        let (_, outcome) = cache
            .load(&engine, &bytes)
            .map_err(|e| anyhow::anyhow!("cannot compile {}: {e:#}", path.display()))?;
        let ms = started.elapsed().as_millis();
        let reuse = functions.as_ref().map(|f| f.take_reuse());
        looked_up += reuse.map_or(0, |r| r.functions);
        let what = match (outcome, reuse) {
            (CacheOutcome::Hit, _) => format!("already compiled in {ms} ms"),
            (CacheOutcome::Compiled, Some(r)) if r.functions > 0 => format!(
                "compiled in {ms} ms, {} of {} functions reused",
                r.reused, r.functions
            ),
            (CacheOutcome::Compiled, _) => format!("compiled in {ms} ms"),
        };
        println!("{}: {what}", path.display());
    }
    if let Some(functions) = functions.filter(|_| looked_up > 0)
        && let Err(e) = functions.prune(looked_up)
    {
        tracing::warn!("cannot prune the compiled-function cache: {e}");
    }
    Ok(())
}
