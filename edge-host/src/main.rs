//! edge-host: serves Spin HTTP components on wasmtime. See README.md.

mod check;
mod cli;
mod healthcheck;
mod host;
mod manifest;
mod metrics;
mod runtime;
mod serve;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use cli::{Cli, Command, ServeArgs};
use runtime::engine::Limits;

fn limits(args: &ServeArgs) -> Limits {
    Limits {
        max_instances: args.max_instances.max(1),
        memory_limit: args.memory_limit_mb.saturating_mul(1024 * 1024),
        request_timeout: Duration::from_millis(args.request_timeout_ms.max(1)),
        max_body_bytes: args.max_body_bytes,
        outbound_timeout: Duration::from_millis(args.outbound_timeout_ms.max(1)),
    }
}

fn default_limits() -> Limits {
    Limits {
        max_instances: 16,
        memory_limit: 128 * 1024 * 1024,
        request_timeout: Duration::from_secs(30),
        max_body_bytes: 1024 * 1024,
        outbound_timeout: Duration::from_secs(1),
    }
}

fn main() -> ExitCode {
    let filter =
        EnvFilter::try_from_env("EDGE_HOST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { manifest } => check::run(&manifest, &default_limits()),
        Command::Healthcheck { url, timeout_ms } => runtime_block(async move {
            let line = healthcheck::run(&url, Duration::from_millis(timeout_ms)).await?;
            println!("{line}");
            Ok(())
        }),
        Command::Serve(args) => {
            let opts = serve::ServeOptions {
                limits: limits(&args),
                manifest: args.manifest,
                listen: args.listen,
                admin: args.admin,
                drain: Duration::from_secs(args.drain_seconds),
                watch: !args.no_watch,
            };
            runtime_block(serve::run(opts))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edge-host: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime_block(fut: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(fut)
}
