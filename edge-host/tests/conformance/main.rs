//! Spin's conformance suite against edge-host: builds the suite's components, starts the services
//! each test's preconditions name, serves each test's `spin.toml` with edge-host and checks every
//! invocation. Prints one line per test and a closing count; fails if any test fails.
//!
//! `cargo test -p edge-host --test conformance` (the suite is read from `../shared/spin-conformance`
//! beside the repository, or from `$SPIN_CONFORMANCE_DIR`; `CONFORMANCE_ONLY=a,b` runs a subset).

#[path = "../support/mod.rs"]
mod support;

mod check;
mod components;
mod services;
mod suite;

use std::path::{Path, PathBuf};
use std::time::Instant;

use support::edge_host::{EdgeHost, Launch};
use test_support::http::wire;

fn main() {
    let started = Instant::now();
    match run() {
        Ok((passed, failed)) => {
            println!(
                "conformance: {passed} passed, {failed} failed ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
            if failed > 0 {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("conformance: cannot run: {e}");
            std::process::exit(2);
        }
    }
}

fn run() -> Result<(usize, usize), String> {
    let suite_dir = suite::locate(&support::repo_root())?;
    let tests = suite::tests(&suite_dir)?;
    let only: Option<Vec<String>> = std::env::var("CONFORMANCE_ONLY")
        .ok()
        .map(|list| list.split(',').map(|s| s.trim().to_string()).collect());
    let built = components::build(&suite_dir, &target_root())?;
    let init_sql = suite_dir.join("crates/test-environment/services/postgres-init");
    let mut services = services::Services::default();
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in &tests {
        if only.as_ref().is_some_and(|only| !only.contains(name)) {
            continue;
        }
        let started = Instant::now();
        let outcome = run_test(test, &built, &mut services, &init_sql);
        let ms = started.elapsed().as_millis();
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("ok    {name} ({ms} ms)");
            }
            Err(why) => {
                failed += 1;
                println!("FAIL  {name} ({ms} ms): {why}");
            }
        }
    }
    Ok((passed, failed))
}

/// Cargo's target directory (the suite's components are built beside edge-host).
fn target_root() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_edge-host"));
    bin.ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
}

fn run_test(
    test: &suite::Test,
    built: &components::Built,
    services: &mut services::Services,
    init_sql: &Path,
) -> Result<(), String> {
    for precondition in test.preconditions()? {
        services.ensure(&precondition.kind, init_sql)?;
    }
    let source = |name: &str| built.get(name).map(|p| p.display().to_string());
    let port = |logical: u16| services.port(logical);
    let manifest = suite::render(&test.manifest, &source, &port)?;
    let spec = test.spec(&suite::render(&test.spec_text, &source, &port)?)?;

    let app = tempfile::tempdir().map_err(|e| e.to_string())?;
    let manifest_path = app.path().join("spin.toml");
    std::fs::write(&manifest_path, manifest).map_err(|e| e.to_string())?;
    let host = EdgeHost::try_start(Launch::new(&manifest_path))
        .map_err(|stderr| format!("edge-host did not start: {}", last_lines(&stderr, 5)))?;

    for (i, invocation) in spec.invocations.iter().enumerate() {
        let request = &invocation.request;
        let headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_deref().unwrap_or("")))
            .collect();
        let body = request.body.as_ref().map(suite::Body::bytes);
        let response = wire::request(
            host.port,
            &request.method.to_ascii_uppercase(),
            &request.path,
            &headers,
            body.as_deref().unwrap_or_default(),
        )
        .map_err(|e| format!("invocation {i}: {e}"))?;
        check::response(&invocation.response, &response).map_err(|why| {
            format!(
                "invocation {i}: {why}\n      edge-host: {}",
                last_lines(&host.stderr(), 3)
            )
        })?;
    }
    Ok(())
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n      ")
}
