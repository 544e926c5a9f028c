//! The proxy: commands run inside the profile's running nginx container.
//!
//! `nginx -s reload` only signals the master. The master then starts workers with the new
//! configuration and tells the old ones to finish their requests and leave, or, when it cannot
//! apply the configuration (a port it cannot bind, a file it cannot open), keeps the old workers
//! and logs why. So the reload is applied only once no worker of the old generation is still
//! taking requests.

use super::{StepContext, last_line};
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

impl StepContext {
    /// Runs `command` in nginx; a non-zero exit is a failure carrying nginx's own message.
    pub(super) async fn nginx(&self, command: &[&str]) -> Result<String, String> {
        let output = self.exec_in("nginx", command).await?;
        Ok(last_line(&output).unwrap_or("ok").to_string())
    }

    /// `nginx -s reload`, then waits until every worker taking requests is a new one.
    pub(super) async fn reload_nginx(&self) -> Result<String, String> {
        let old = self.nginx_workers().await?;
        self.nginx(&["nginx", "-s", "reload"]).await?;
        let started = Instant::now();
        loop {
            let now = self.nginx_workers().await?;
            if !now.is_empty() && now.is_disjoint(&old) {
                return Ok(format!(
                    "{} new worker process(es) in {} ms",
                    now.len(),
                    started.elapsed().as_millis()
                ));
            }
            if started.elapsed() >= NEW_WORKERS_WITHIN {
                return Err(format!(
                    "nginx was signalled but still runs its previous workers after {} s, so the \
                     new configuration is not in effect; its reason is in its log \
                     (`stack-tui logs nginx`)",
                    NEW_WORKERS_WITHIN.as_secs()
                ));
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    async fn nginx_workers(&self) -> Result<BTreeSet<u32>, String> {
        let listed = self.exec_in("nginx", &["sh", "-c", LIST_WORKERS]).await?;
        Ok(listed
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect())
    }
}
