//! After a restore: the app answers `/health/ready` through nginx (both stores reachable), as a
//! user's request would go.

use crate::drill::target::Site;
use anyhow::bail;
use std::time::{Duration, Instant};

const READY_LIMIT: Duration = Duration::from_secs(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(250);

/// Polls `<site>/health/ready` until it answers 200; returns how long that took.
pub async fn wait_ready(site: &Site) -> anyhow::Result<Duration> {
    let agent = crate::drill::load::agent(site.certificate.as_deref(), REQUEST_TIMEOUT)?;
    let url = format!("{}/health/ready", site.origin);
    let started = Instant::now();
    loop {
        let (agent, target) = (agent.clone(), url.clone());
        let answer = tokio::task::spawn_blocking(move || {
            agent
                .get(&target)
                .call()
                .map(|mut reply| {
                    let status = reply.status().as_u16();
                    let body = reply.body_mut().read_to_string().unwrap_or_default();
                    (status, body)
                })
                .map_err(|err| err.to_string())
        })
        .await?;
        match answer {
            Ok((200, _)) => return Ok(started.elapsed()),
            other if started.elapsed() > READY_LIMIT => {
                let last = match other {
                    Ok((status, body)) => format!("{status} {}", body.trim()),
                    Err(err) => err,
                };
                bail!(
                    "the app is not ready {} s after the restore: {url} answered {last}",
                    READY_LIMIT.as_secs()
                );
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}
