//! The running profile a drill works on: its containers through the Engine API, the site nginx
//! publishes on the loopback address, and the per-client rate nginx allows.

use crate::docker::{connect, project_snapshots};
use anyhow::{Context, bail};
use bollard::Docker;
use bollard::query_parameters::InspectContainerOptions;
use stack_core::model::Profile;
use stack_core::model::container::{ContainerSnapshot, Health};
use std::net::IpAddr;

/// nginx's `limit_req` rate when the container does not say (proxy-config/bin/start-nginx).
const DEFAULT_RATE_LIMIT: u32 = 20;
/// nginx's `limit_conn` per client when the container does not say (the same script).
const DEFAULT_CONN_LIMIT: u32 = 32;
/// The container port nginx serves HTTPS on (prod); the plain site is on 8080.
const HTTPS_CONTAINER_PORT: u16 = 8443;
const HTTP_CONTAINER_PORT: u16 = 8080;

/// Where the load goes: nginx's published port on the loopback address.
#[derive(Debug, Clone)]
pub struct Site {
    /// `http://127.0.0.1:8080` or `https://127.0.0.1:8443`, without a trailing slash.
    pub origin: String,
    /// The stack's own certificate (proxy-config/tls/cert.pem), trusted for HTTPS.
    pub certificate: Option<Vec<u8>>,
    /// nginx's per-client requests per second (`STACK_RATE_LIMIT`): every host client shares
    /// one address behind Docker's port publishing, so the load stays under it.
    pub rate_limit: u32,
    /// nginx's per-client requests in progress (`STACK_CONN_LIMIT`).
    pub conn_limit: u32,
}

/// A running profile, checked healthy.
pub struct Stack {
    pub docker: Docker,
    pub profile: Profile,
    pub site: Site,
}

impl Stack {
    /// Connects and checks that `profile` runs with every long-running service healthy;
    /// refuses otherwise, naming the command that brings it up.
    pub async fn find(profile: Profile) -> anyhow::Result<Self> {
        let endpoint = crate::docker::endpoint::current()?;
        if endpoint.is_remote() {
            bail!(
                "drills kill processes from this host and send their load to 127.0.0.1, so they \
                 need the Docker engine of this machine, not {}",
                endpoint.describe()
            );
        }
        let docker = connect().await?;
        let containers = project_snapshots(&docker, &profile.project).await?;
        if !containers.iter().any(ContainerSnapshot::is_running) {
            bail!(
                "profile {} is not running (no container of project {} runs). Fix: bring it up \
                 with `stack-tui --profile {} up`",
                profile.name,
                profile.project,
                profile.name
            );
        }
        let site = site(&docker, &profile, &containers).await?;
        let stack = Self {
            docker,
            profile,
            site,
        };
        stack.ensure_healthy().await?;
        Ok(stack)
    }

    /// The project's long-running containers, inspected now.
    pub async fn containers(&self) -> anyhow::Result<Vec<ContainerSnapshot>> {
        Ok(project_snapshots(&self.docker, &self.profile.project)
            .await?
            .into_iter()
            .filter(|c| !c.one_shot)
            .collect())
    }

    /// Fails naming the services that are not running healthy: a drill starts from a stack
    /// that serves, or its figures mean nothing.
    pub async fn ensure_healthy(&self) -> anyhow::Result<()> {
        let laggards: Vec<String> = self
            .containers()
            .await?
            .iter()
            .filter(|c| !c.is_running() || !matches!(c.health, Health::Healthy | Health::None))
            .map(|c| format!("{} ({}, {})", c.name, c.state.as_str(), c.health.as_str()))
            .collect();
        if !laggards.is_empty() {
            bail!(
                "profile {} is not healthy: {}. A drill starts from a healthy stack. Fix: \
                 `stack-tui --profile {} up` (or wait for the healthchecks; `stack-tui --profile {} status`)",
                self.profile.name,
                laggards.join(", "),
                self.profile.name,
                self.profile.name
            );
        }
        Ok(())
    }

    /// The running containers of `service`, by name.
    pub async fn service(&self, service: &str) -> anyhow::Result<Vec<ContainerSnapshot>> {
        let found: Vec<ContainerSnapshot> = self
            .containers()
            .await?
            .into_iter()
            .filter(|c| c.service == service && c.is_running())
            .collect();
        if found.is_empty() {
            bail!(
                "no running {service} container in {}. Fix: `stack-tui --profile {} up`",
                self.profile.project,
                self.profile.name
            );
        }
        Ok(found)
    }
}

impl Stack {
    /// The first running container of `service`, as a drill addresses it.
    pub async fn first(&self, service: &str) -> anyhow::Result<super::fault::Victim> {
        let first = self
            .service(service)
            .await?
            .into_iter()
            .next()
            .with_context(|| format!("no running {service}"))?;
        Ok(super::fault::Victim {
            id: first.id,
            name: first.name,
        })
    }
}

/// nginx's published port (HTTPS when it publishes one), which must be on a loopback address.
async fn site(
    docker: &Docker,
    profile: &Profile,
    containers: &[ContainerSnapshot],
) -> anyhow::Result<Site> {
    let nginx = containers
        .iter()
        .find(|c| c.service == "nginx" && c.is_running())
        .with_context(|| {
            format!(
                "nginx of {} is not running. Fix: `stack-tui --profile {} up`",
                profile.project, profile.name
            )
        })?;
    let published = [HTTPS_CONTAINER_PORT, HTTP_CONTAINER_PORT]
        .iter()
        .find_map(|wanted| nginx.ports.iter().find(|p| p.container_port == *wanted))
        .with_context(|| format!("{} publishes no port", nginx.name))?;
    let host = loopback_host(&published.host_ip).with_context(|| {
        format!(
            "{} publishes on {}, not a loopback address: drills only send load to this \
             machine's 127.0.0.1 or ::1",
            nginx.name, published.host_ip
        )
    })?;
    let tls = published.container_port == HTTPS_CONTAINER_PORT;
    let certificate = if tls {
        let path = profile.root.join("proxy-config/tls/cert.pem");
        Some(std::fs::read(&path).with_context(|| {
            format!(
                "cannot read the stack's certificate {}. Fix: run compose/prepare",
                path.display()
            )
        })?)
    } else {
        None
    };
    let scheme = if tls { "https" } else { "http" };
    let env = nginx_env(docker, &nginx.id).await;
    Ok(Site {
        origin: format!("{scheme}://{host}:{}", published.host_port),
        certificate,
        rate_limit: positive_setting(&env, "STACK_RATE_LIMIT").unwrap_or(DEFAULT_RATE_LIMIT),
        conn_limit: positive_setting(&env, "STACK_CONN_LIMIT").unwrap_or(DEFAULT_CONN_LIMIT),
    })
}

/// The address to send to for a published host IP: the same loopback address, 127.0.0.1 for
/// "all addresses"; `None` for anything else.
fn loopback_host(host_ip: &str) -> Option<String> {
    match host_ip {
        "" | "0.0.0.0" => Some("127.0.0.1".to_string()),
        "::" => Some("[::1]".to_string()),
        other => match other.parse::<IpAddr>().ok()? {
            IpAddr::V4(ip) if ip.is_loopback() => Some(ip.to_string()),
            IpAddr::V6(ip) if ip.is_loopback() => Some(format!("[{ip}]")),
            _ => None,
        },
    }
}

/// nginx's environment (`NAME=value` entries), empty when the engine does not say.
async fn nginx_env(docker: &Docker, nginx: &str) -> Vec<String> {
    docker
        .inspect_container(nginx, None::<InspectContainerOptions>)
        .await
        .ok()
        .and_then(|c| c.config)
        .and_then(|c| c.env)
        .unwrap_or_default()
}

/// A whole number above zero set as `name` in `env`.
fn positive_setting(env: &[String], name: &str) -> Option<u32> {
    env.iter()
        .find_map(|entry| entry.strip_prefix(name)?.strip_prefix('='))
        .and_then(|value| value.parse().ok())
        .filter(|value| *value > 0)
}

#[cfg(test)]
mod tests {
    use super::loopback_host;

    #[test]
    fn only_loopback_addresses_are_targets() {
        assert_eq!(loopback_host("127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(loopback_host("0.0.0.0").as_deref(), Some("127.0.0.1"));
        assert_eq!(loopback_host("::1").as_deref(), Some("[::1]"));
        assert_eq!(loopback_host("192.168.1.20"), None);
        assert_eq!(loopback_host("10.0.0.1"), None);
        assert_eq!(loopback_host("not an address"), None);
    }
}
