//! edge-host: serves Spin HTTP components on wasmtime. See README.md.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use edge_host::cli::{Cli, Command, MIB, ServeArgs};
use edge_host::runtime::engine::Limits;
use edge_host::runtime_config::RuntimeConfig;
use edge_host::{check, healthcheck, logging, migrate, serve};

/// The static build runs in the app image; with musl's own allocator it serves a fraction of the
/// glibc build's requests (BENCHMARKS.md, "Edge host").
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn limits(args: &ServeArgs) -> Limits {
    Limits {
        max_instances: args.max_instances.max(1),
        memory_limit: args.memory_limit_mb.saturating_mul(MIB),
        request_timeout: Duration::from_millis(args.request_timeout_ms.max(1)),
        max_body_bytes: args.max_body_bytes,
        outbound_timeout: Duration::from_millis(args.outbound_timeout_ms.max(1)),
        query_timeout: Duration::from_millis(args.query_timeout_ms.max(1)),
        pg_pool_size: args.pg_pool_size.max(1),
    }
}

fn main() -> ExitCode {
    logging::init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            manifest,
            runtime_config_file,
        } => runtime_config(runtime_config_file.as_deref())
            .and_then(|config| check::run(&manifest, &config, &Limits::default())),
        Command::Precompile { components } => check::precompile(&components, &Limits::default()),
        Command::Healthcheck {
            url,
            timeout_ms,
            print_body,
        } => runtime_block(async move {
            let answer = healthcheck::run(&url, Duration::from_millis(timeout_ms)).await?;
            if print_body {
                println!("{}", answer.body);
            } else {
                println!("{}", answer.status_line);
            }
            Ok(())
        }),
        Command::Migrate(args) => runtime_block(migrate::run(args)),
        Command::Serve(args) => match runtime_config(args.runtime_config_file.as_deref()) {
            Ok(runtime_config) => runtime_block(serve::run(serve::ServeOptions {
                limits: limits(&args),
                manifest: args.manifest,
                listen: args.listen,
                admin: args.admin,
                metrics: args.metrics,
                state_dir: args.state_dir,
                drain: Duration::from_secs(args.drain_seconds),
                watch: !args.no_watch,
                runtime_config,
            })),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edge-host: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The runtime config file's settings, or Spin's defaults without one.
fn runtime_config(path: Option<&std::path::Path>) -> anyhow::Result<RuntimeConfig> {
    Ok(match path {
        Some(path) => RuntimeConfig::load(path)?,
        None => RuntimeConfig::default(),
    })
}

fn runtime_block(fut: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(fut)
}
