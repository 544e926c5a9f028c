//! `edge-host check`: load, compile and link without serving; print each component's imports.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::host::{build_linker, is_supported_import};
use crate::manifest::App;
use crate::manifest::variables::ProcessEnv;
use crate::runtime::cache::ComponentCache;
use crate::runtime::engine::{Limits, build_engine};
use crate::runtime::loader::{LoadContext, host_name, import_names, load_component};

pub fn run(manifest: &Path, limits: &Limits) -> anyhow::Result<()> {
    let app = App::load(manifest, &ProcessEnv)?;
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
