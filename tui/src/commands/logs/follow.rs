//! `logs --follow`: every chosen container's stream merged through the reorder window, and the
//! containers of the chosen services that start later (a rollout's new replicas, a restart)
//! joined as the engine reports them. Runs until interrupted or the engine goes away.

use super::print::Printer;
use crate::docker::{LogRange, container_snapshot, container_starts, stream_logs};
use bollard::Docker;
use futures_util::stream::{self, SelectAll};
use futures_util::{Stream, StreamExt};
use stack_core::logs::{LogLine, REORDER_TICK, Reorder};
use stack_core::model::container::ContainerSnapshot;
use std::collections::HashMap;
use std::io::Write;
use std::pin::Pin;
use tokio::time::Instant;

pub struct Watch<'a> {
    pub project: &'a str,
    /// Services to follow; every service when empty.
    pub services: &'a [String],
    /// `--since` as unix seconds (0 for none).
    pub since: i64,
    /// Engine events are read from this unix time on.
    pub events_since: i64,
}

/// One container run's output; `None` once the stream ended.
type Tagged = (Run, Option<Result<Vec<LogLine>, bollard::errors::Error>>);
type Streams = SelectAll<Pin<Box<dyn Stream<Item = Tagged> + Send>>>;

/// A container and when it started: a restarted container is a new run with a new stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Run {
    id: String,
    started: Option<i64>,
}

pub async fn follow<W: Write>(
    docker: &Docker,
    watch: &Watch<'_>,
    containers: &[ContainerSnapshot],
    range: LogRange<'_>,
    printer: &mut Printer<W>,
) -> anyhow::Result<()> {
    let mut starts = Box::pin(container_starts(docker, watch.project, watch.events_since));
    let mut streams: Streams = SelectAll::new();
    // The run each container is followed for, so a replayed start event adds nothing.
    let mut followed: HashMap<String, Run> = HashMap::new();
    for container in containers {
        add(docker, container, range, &mut streams, &mut followed);
    }
    let mut reorder = Reorder::default();
    // A whole period from the first held line, as in the dashboard.
    let mut flush_at: Option<Instant> = None;
    let mut failed = None;
    loop {
        if reorder.held() == 0 {
            flush_at = None;
        } else if flush_at.is_none() {
            flush_at = Some(Instant::now() + REORDER_TICK);
        }
        let flush = tokio::time::sleep_until(flush_at.unwrap_or_else(Instant::now));
        tokio::select! {
            Some((run, item)) = streams.next() => match item {
                Some(Ok(batch)) => reorder.push(batch, |line| {
                    failed = failed.take().or(printer.line(&line).err());
                }),
                Some(Err(err)) => tracing::warn!("logs of {}: {err}", run.id),
                None => {
                    if followed.get(&run.id) == Some(&run) {
                        followed.remove(&run.id);
                    }
                }
            },
            start = starts.next() => match start {
                Some(Ok(id)) => {
                    let Some(container) = container_snapshot(docker, &id).await? else {
                        continue;
                    };
                    let wanted = watch.services.is_empty()
                        || watch.services.contains(&container.service);
                    if wanted {
                        // Everything it printed since it started (and not before --since).
                        let since = container
                            .started_at
                            .map_or(0, |t| t.timestamp())
                            .max(watch.since);
                        let range = LogRange { since, tail: "all", ..range };
                        add(docker, &container, range, &mut streams, &mut followed);
                    }
                }
                Some(Err(err)) => anyhow::bail!("the engine's event stream failed: {err}"),
                None => anyhow::bail!("the engine closed its event stream"),
            },
            () = flush, if flush_at.is_some() => {
                flush_at = None;
                reorder.tick(|line| {
                    failed = failed.take().or(printer.line(&line).err());
                });
            }
        }
        if let Some(err) = failed.take() {
            // stdout is gone (`| head`): nothing left to do.
            return if err.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(err.into())
            };
        }
        printer.flush()?;
    }
}

/// Starts following a container run unless it is followed already.
fn add(
    docker: &Docker,
    container: &ContainerSnapshot,
    range: LogRange<'_>,
    streams: &mut Streams,
    followed: &mut HashMap<String, Run>,
) {
    let run = Run {
        id: container.id.clone(),
        started: container
            .started_at
            .map(|t| t.timestamp_nanos_opt().unwrap_or(0)),
    };
    if followed.get(&run.id) == Some(&run) {
        return;
    }
    followed.insert(run.id.clone(), run.clone());
    let end = run.clone();
    let lines = stream_logs(docker, container, range).map(move |item| (run.clone(), Some(item)));
    let ended = stream::once(async move { (end, None) });
    streams.push(Box::pin(lines.chain(ended)));
}
