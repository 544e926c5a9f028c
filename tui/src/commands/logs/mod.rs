//! `logs [SERVICE…]`: the project's container output from the Engine API, merged in timestamp
//! order; `--follow` goes on with containers that start later; `--request` traces one request.

mod follow;
mod print;

use crate::cli::LogsArgs;
use crate::docker::{LogRange, connect, project_snapshots, stream_logs};
use chrono::SecondsFormat;
use futures_util::StreamExt;
use print::Printer;
use stack_core::logs::{LogLine, trace};
use stack_core::model::Layout;
use stack_core::model::container::ContainerSnapshot;
use std::io::IsTerminal;

pub async fn logs(layout: &Layout, profile: &str, args: &LogsArgs) -> anyhow::Result<()> {
    let profile = layout.profile(profile)?;
    if let (Some(since), Some(until)) = (args.since, args.until) {
        anyhow::ensure!(
            since < until,
            "--since {} is not before --until {}: no line can match",
            since.to_rfc3339_opts(SecondsFormat::Secs, true),
            until.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
    }
    let docker = connect().await?;
    // Engine events from just before the listing, so a container started meanwhile is not missed.
    let listed_at = chrono::Utc::now().timestamp() - 1;
    let containers = project_snapshots(&docker, &profile.project).await?;
    check_services(&args.services, &containers, &profile.project)?;
    let chosen: Vec<ContainerSnapshot> = containers
        .into_iter()
        .filter(|c| args.services.is_empty() || args.services.contains(&c.service))
        .collect();
    let terminal = std::io::stdout().is_terminal();
    // Flushed after each burst rather than each line: a flood costs one write per burst.
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut printer = Printer::new(out, args, terminal);
    let tail = args
        .tail
        .map_or_else(|| "all".to_string(), |n| n.to_string());
    let range = LogRange {
        follow: args.follow,
        since: args.since.map_or(0, |t| t.timestamp()),
        until: args.until.map(|t| t.timestamp()),
        tail: &tail,
    };
    if args.follow {
        let watch = follow::Watch {
            project: &profile.project,
            services: &args.services,
            since: range.since,
            events_since: listed_at,
        };
        return follow::follow(&docker, &watch, &chosen, range, &mut printer).await;
    }
    let mut all: Vec<LogLine> = Vec::new();
    for container in &chosen {
        let mut stream = Box::pin(stream_logs(&docker, container, range));
        while let Some(batch) = stream.next().await {
            all.extend(batch?);
        }
    }
    // Each container's lines come in order; a stable sort by the engine's fixed-width RFC 3339
    // timestamps merges them.
    all.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    if let Some(id) = &args.request {
        let found = trace(id, &all);
        anyhow::ensure!(
            !found.lines.is_empty(),
            "no line carries request id {id:?} in {} (nginx's and the app's access lines have it; \
             an answer's X-Request-Id header gives it)",
            if args.services.is_empty() {
                "any service".to_string()
            } else {
                args.services.join(", ")
            }
        );
        for line in &found.lines {
            printer.line(line)?;
        }
        printer.timings(id, &found.timings)?;
        return Ok(printer.flush()?);
    }
    for line in &all {
        printer.line(line)?;
    }
    Ok(printer.flush()?)
}

/// Every named service must have a container in the project.
fn check_services(
    wanted: &[String],
    containers: &[ContainerSnapshot],
    project: &str,
) -> anyhow::Result<()> {
    let mut known: Vec<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    known.dedup();
    for service in wanted {
        anyhow::ensure!(
            known.contains(&service.as_str()),
            "no service {service:?} in project {project}: it has {}",
            if known.is_empty() {
                "no containers".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    Ok(())
}
