//! `edge-host migrate`: applies the numbered SQL migrations of a folder (`V<n>__<name>.sql`)
//! with refinery, each in its own transaction, recorded with its checksum in
//! `schema_migrations`. The stack runs it before the app starts and on a saved migration.
//!
//! Order of a run: read and check the folder (no database yet), connect, take the advisory
//! lock, compare with the history (refusing edited, renamed, missing or out-of-order files by
//! name), then apply the pending files one at a time, printing a line for each.

mod db;
mod files;
mod plan;

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::cli::MigrateArgs;
pub use db::{LOCK_KEY, TABLE};
pub use files::{FolderError, parse_file_name, read_folder};
pub use plan::Refusal;

/// Runs `edge-host migrate` to the end; an error carries the message to print.
pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let files = read_folder(&args.dir)?;
    let endpoint = db::Endpoint {
        host: args.host.clone(),
        port: args.port,
        user: args.user.clone(),
        database: args.database.clone(),
        password: match &args.password_file {
            Some(path) => Some(read_password(path)?),
            None => None,
        },
    };
    println!(
        "migrate: {} file(s) in {}, database {endpoint}",
        files.len(),
        args.dir.display()
    );
    let mut client = db::connect(&endpoint, Duration::from_millis(args.connect_timeout_ms)).await?;
    db::lock(&client, Duration::from_millis(args.lock_wait_ms)).await?;
    db::prepare_session(&client).await?;
    let applied = db::applied(&client).await?;
    let plan = plan::plan(&files, &applied)?;
    if args.dry_run {
        for row in &applied {
            println!(
                "migrate: applied V{}__{}.sql on {}",
                row.version, row.name, row.applied_on
            );
        }
        for file in &plan.pending {
            println!("migrate: pending {}", file.file_name);
        }
        println!(
            "migrate: dry run: {} applied, {} pending, nothing changed",
            applied.len(),
            plan.pending.len()
        );
        return Ok(());
    }
    if !plan.pending.is_empty() {
        db::ensure_table(&client).await?;
    }
    let all: Vec<refinery::Migration> = files.iter().map(|f| f.migration.clone()).collect();
    let mut done = 0;
    for file in &plan.pending {
        let started = Instant::now();
        if let Err(e) = db::apply(&mut client, &all, file).await {
            let kept = match done {
                0 => "nothing else was applied in this run".to_string(),
                n => format!("the {n} applied before it in this run stay applied"),
            };
            anyhow::bail!("{e:#}; {kept}");
        }
        done += 1;
        println!(
            "migrate: applied {} in {} ms",
            file.file_name,
            started.elapsed().as_millis()
        );
    }
    let latest = files
        .last()
        .map_or("none".to_string(), |f| format!("V{}", f.version));
    println!(
        "migrate: {done} applied now, {} already applied; schema at {latest}",
        applied.len()
    );
    Ok(())
}

/// A Docker-secret style password file; one trailing newline is not part of the password.
fn read_password(path: &std::path::Path) -> anyhow::Result<String> {
    let mut text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}
