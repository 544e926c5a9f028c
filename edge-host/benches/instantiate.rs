//! Instantiation time of a component with the pooling allocator, measured on the same path a
//! request takes: the real loader builds the `ProxyPre`, then each iteration makes a fresh store
//! (`runtime::instance::new_store`), instantiates, and drops the store (returning the slot to the
//! pool).
//!
//! `cargo bench -p edge-host --bench instantiate -- [--manifest PATH] [--iterations N]`
//! (default manifest: edge-app/spin.toml; its required variables must be set in the environment).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use edge_host::host::{KeyValueBackend, Shared, build_linker};
use edge_host::metrics::Metrics;
use edge_host::runtime::cache::ComponentCache;
use edge_host::runtime::engine::{Limits, build_engine};
use edge_host::runtime::instance::new_store;
use edge_host::runtime::loader::{LoadContext, host_name, load_app};

const WARMUP: usize = 1_000;

struct Options {
    manifest: PathBuf,
    iterations: usize,
}

fn options() -> anyhow::Result<Options> {
    let mut opts = Options {
        manifest: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../edge-app/spin.toml"),
        iterations: 20_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--manifest" => opts.manifest = args.next().context("--manifest needs a path")?.into(),
            "--iterations" => {
                let n = args.next().context("--iterations needs a number")?;
                opts.iterations = n
                    .parse()
                    .with_context(|| format!("--iterations {n:?} is not a count"))?;
            }
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => bail!("unknown argument {other:?} (expected --manifest, --iterations)"),
        }
    }
    if opts.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    Ok(opts)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(what: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{what}: n={} median={:.1}us p99={:.1}us min={:.1}us",
        samples.len(),
        micros(percentile(&samples, 0.5)),
        micros(percentile(&samples, 0.99)),
        micros(samples[0]),
    );
}

fn main() -> anyhow::Result<()> {
    let opts = options()?;
    // `serve`'s defaults, nothing overridden: the pool size and memory cap shape what
    // instantiation costs, so the figures hold for a default deployment.
    let limits = Limits::default();
    let engine = build_engine(&limits).map_err(anyhow::Error::from)?;
    let ctx = LoadContext {
        manifest: opts.manifest.clone(),
        linker: Arc::new(build_linker(&engine).map_err(anyhow::Error::from)?),
        engine,
        cache: ComponentCache::from_env(),
        hostname: host_name(),
        key_value_labels: vec!["default".to_string()],
        sqlite_labels: vec!["default".to_string()],
    };
    let app =
        load_app(&ctx, 1).with_context(|| format!("cannot load {}", opts.manifest.display()))?;
    let shared = Arc::new(Shared::new(
        KeyValueBackend::default(),
        Arc::new(Metrics::new()),
        limits.outbound_timeout,
        limits.query_timeout,
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut ids: Vec<&String> = app.components.keys().collect();
    ids.sort();
    for id in ids {
        let component = &app.components[id];
        let mut instantiate = Vec::with_capacity(opts.iterations);
        let mut per_request = Vec::with_capacity(opts.iterations);
        runtime.block_on(async {
            for i in 0..WARMUP + opts.iterations {
                let started = Instant::now();
                let mut store = new_store(component, &shared, &limits);
                let before_instantiate = Instant::now();
                let proxy = component.pre.instantiate_async(&mut store).await;
                let instantiated = before_instantiate.elapsed();
                proxy.map_err(anyhow::Error::from)?;
                drop(store);
                if i >= WARMUP {
                    instantiate.push(instantiated);
                    per_request.push(started.elapsed());
                }
            }
            anyhow::Ok(())
        })?;
        report(&format!("{id} instantiate"), instantiate);
        report(&format!("{id} store+instantiate+drop"), per_request);
    }
    Ok(())
}
