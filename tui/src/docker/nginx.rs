//! nginx inside its container, as hot reload and the drills see it: which workers take requests,
//! and whether the container has room for the workers a reload would start.

use super::exec::exec;
use stack_core::reload::{WORKER_ROOM_PROBE, WorkerRoom};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long the master may take to start the new workers.
const NEW_WORKERS_WITHIN: Duration = Duration::from_secs(10);
const POLL_EVERY: Duration = Duration::from_millis(100);

/// Lists the PIDs of workers that take requests. nginx renames its processes; a retiring worker
/// says "worker process is shutting down", and is not listed.
const LIST_WORKERS: &str = r#"for f in /proc/[0-9]*/cmdline; do
  c=$(tr -d '\000' < "$f" 2>/dev/null) || continue
  [ "$c" = "nginx: worker process" ] && { p=${f%/cmdline}; echo "${p#/proc/}"; }
done; true"#;

async fn shell(
    docker: &bollard::Docker,
    id: &str,
    name: &str,
    script: &str,
) -> Result<String, String> {
    let answer = exec(docker, id, name, &["sh", "-c", script]).await?;
    match answer.exit_code {
        Some(0) => Ok(answer.output),
        code => Err(format!(
            "{} (exit {})",
            answer.output.trim(),
            code.map_or("unknown".to_string(), |code| code.to_string())
        )),
    }
}

/// The workers of the nginx container `id` that take requests.
pub async fn workers(
    docker: &bollard::Docker,
    id: &str,
    name: &str,
) -> Result<BTreeSet<u32>, String> {
    Ok(shell(docker, id, name, LIST_WORKERS)
        .await?
        .lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect())
}

/// Err with the refusal when the configuration asks for more workers than nginx's container has
/// room for (see `stack_core::reload::WorkerRoom`).
pub async fn check_worker_room(
    docker: &bollard::Docker,
    id: &str,
    name: &str,
) -> Result<(), String> {
    let probed = shell(docker, id, name, WORKER_ROOM_PROBE).await?;
    WorkerRoom::parse(&probed)?.check()
}

/// Reloads nginx in the container `id`: refused when the workers would not fit under its pids
/// limit, else `nginx -s reload` and a wait until every worker taking requests is a new one
/// (`nginx -s reload` only signals the master, which keeps the old workers and logs why when it
/// cannot apply the configuration). `Ok` says how many workers started and how fast.
pub async fn reload(docker: &bollard::Docker, id: &str, name: &str) -> Result<String, String> {
    check_worker_room(docker, id, name).await?;
    let old = workers(docker, id, name).await?;
    shell(docker, id, name, "nginx -s reload").await?;
    let started = Instant::now();
    loop {
        let now = workers(docker, id, name).await?;
        if !now.is_empty() && now.is_disjoint(&old) {
            return Ok(format!(
                "{} new worker process(es) in {} ms",
                now.len(),
                started.elapsed().as_millis()
            ));
        }
        if started.elapsed() >= NEW_WORKERS_WITHIN {
            return Err(format!(
                "nginx was signalled but still runs its previous workers after {} s, so the new \
                 configuration is not in effect; its reason is in its log (`stack-tui logs nginx`)",
                NEW_WORKERS_WITHIN.as_secs()
            ));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
