//! The edge drills' second client. Every client on the host reaches nginx from one address (the
//! engine's port publishing), so a misbehaving client on the host would share the polite load's
//! per-client limits. The second client therefore speaks from an address of its own: a small
//! drill-made container on the stack's frontend network holds a network namespace, and a thread
//! of this process joins it (`setns`) and opens its connections there. The container only
//! sleeps; it is removed when the attack ends, on every way out.

mod attacks;

use super::fault::{HealGuard, Remedy, Victim};
use super::target::Stack;
use anyhow::{Context, bail};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StartContainerOptions,
};
use stack_core::drill::{Attack, AttackFigures};
use std::collections::HashMap;
use std::fs::File;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::sync::oneshot;

/// The label that marks a second client's container, with the project as its value.
const CLIENT_LABEL: &str = "stack-tui.drill-client";
/// nginx's plain-HTTP port inside its container.
const NGINX_HTTP_PORT: u16 = 8080;
/// edge-host's port inside an app replica.
const APP_PORT: u16 = 3000;
/// edge-host's admin port (/metrics, /admin/reload), which must answer only inside the replica.
const ADMIN_PORT: u16 = 9090;
/// The container outlives no attack by more than this, even if nothing removes it.
const CONTAINER_LIFETIME: Duration = Duration::from_secs(300);

/// Runs `attack` for `hold` from the second client's address against `target` (nginx, or the
/// app replica the pool attacks aim at) and returns what it saw. The client's container is gone
/// when this returns (or the error says how to remove it, if that failed).
pub async fn attack(
    stack: &Stack,
    attack: Attack,
    hold: Duration,
    target: &Victim,
) -> anyhow::Result<AttackFigures> {
    let docker = &stack.docker;
    let project = &stack.profile.project;
    let network = format!("{project}_frontend");
    let nginx = stack.first("nginx").await?;
    let image = image_of(docker, &nginx.id).await?;
    let port = match (attack, attack.target_service()) {
        (Attack::AdminListener, _) => ADMIN_PORT,
        (_, "app") => APP_PORT,
        _ => NGINX_HTTP_PORT,
    };
    let address = address_on(docker, target, &network, port).await?;
    remove_leftovers(docker, project).await;
    let client = start_container(docker, project, &image, &network).await?;
    let guard = HealGuard::arm(Remedy::Remove, client.clone());
    let outcome = run_in_namespace(docker, &client, attack, address, hold, stack).await;
    guard
        .heal(docker)
        .await
        .map_err(|failure| anyhow::anyhow!(failure))?;
    outcome
}

/// The image the second client runs `sleep` from: nginx's, so nothing new is pulled (the app
/// image has nothing but edge-host).
async fn image_of(docker: &Docker, container: &str) -> anyhow::Result<String> {
    docker
        .inspect_container(container, None::<InspectContainerOptions>)
        .await
        .with_context(|| format!("cannot inspect {container}"))?
        .config
        .and_then(|config| config.image)
        .with_context(|| format!("the engine names no image for {container}"))
}

/// `target`'s address and `port` on `network`.
async fn address_on(
    docker: &Docker,
    target: &Victim,
    network: &str,
    port: u16,
) -> anyhow::Result<SocketAddr> {
    let ip = docker
        .inspect_container(&target.id, None::<InspectContainerOptions>)
        .await
        .with_context(|| format!("cannot inspect {}", target.name))?
        .network_settings
        .and_then(|settings| settings.networks)
        .and_then(|networks| networks.get(network).cloned())
        .and_then(|endpoint| endpoint.ip_address)
        .filter(|ip| !ip.is_empty())
        .with_context(|| format!("{} has no address on {network}", target.name))?;
    let ip: IpAddr = ip
        .parse()
        .with_context(|| format!("{}'s address on {network} is not an IP: {ip}", target.name))?;
    Ok(SocketAddr::new(ip, port))
}

/// A second client left by a run that was killed outright.
async fn remove_leftovers(docker: &Docker, project: &str) {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("{CLIENT_LABEL}={project}")],
    )]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    let Ok(found) = docker.list_containers(Some(options)).await else {
        return;
    };
    let force = RemoveContainerOptionsBuilder::default().force(true).build();
    for id in found.into_iter().filter_map(|c| c.id) {
        let _ = docker.remove_container(&id, Some(force.clone())).await;
    }
}

/// Creates and starts the sleeping container that gives the second client its address: no
/// capabilities, read-only, a few pids and little memory.
async fn start_container(
    docker: &Docker,
    project: &str,
    image: &str,
    network: &str,
) -> anyhow::Result<Victim> {
    let name = format!("{project}-drill-client-{}", std::process::id());
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        entrypoint: Some(vec!["sleep".to_string()]),
        cmd: Some(vec![CONTAINER_LIFETIME.as_secs().to_string()]),
        labels: Some(HashMap::from([(
            CLIENT_LABEL.to_string(),
            project.to_string(),
        )])),
        host_config: Some(HostConfig {
            network_mode: Some(network.to_string()),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".to_string()]),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            memory: Some(16 * 1024 * 1024),
            pids_limit: Some(4),
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default().name(&name).build();
    let created = docker
        .create_container(Some(options), body)
        .await
        .with_context(|| format!("cannot create the second client {name}"))?;
    let victim = Victim {
        id: created.id,
        name,
    };
    if let Err(error) = docker
        .start_container(&victim.id, None::<StartContainerOptions>)
        .await
    {
        let force = RemoveContainerOptionsBuilder::default().force(true).build();
        let _ = docker.remove_container(&victim.id, Some(force)).await;
        bail!("cannot start the second client {}: {error}", victim.name);
    }
    Ok(victim)
}

/// Runs the attack on a thread inside the client container's network namespace, with a runtime
/// of its own (sockets belong to the namespace of the thread that opens them). Dropping the
/// returned future stops the attack.
async fn run_in_namespace(
    docker: &Docker,
    client: &Victim,
    attack: Attack,
    target: SocketAddr,
    hold: Duration,
    stack: &Stack,
) -> anyhow::Result<AttackFigures> {
    let pid = super::fault::state(docker, client).await?.pid;
    if pid <= 0 {
        bail!("the second client {} is not running", client.name);
    }
    let path = format!("/proc/{pid}/ns/net");
    let namespace = File::open(&path).with_context(|| {
        format!(
            "cannot open {path}, the second client's network namespace (edge drills need root \
             and the Docker engine of this machine)"
        )
    })?;
    let conn_limit = stack.site.conn_limit;
    let (stop, stopped) = oneshot::channel::<()>();
    let (done, finished) = oneshot::channel();
    std::thread::Builder::new()
        .name("drill-second-client".into())
        .spawn(move || {
            let outcome =
                attack_thread(namespace, attack, target, hold, stopped).map(|mut figures| {
                    figures.conn_limit = conn_limit;
                    figures
                });
            let _ = done.send(outcome);
        })
        .context("cannot start the second client's thread")?;
    let outcome = finished
        .await
        .context("the second client's thread ended without a result")?;
    drop(stop);
    outcome
}

fn attack_thread(
    namespace: File,
    attack: Attack,
    target: SocketAddr,
    hold: Duration,
    stopped: oneshot::Receiver<()>,
) -> anyhow::Result<AttackFigures> {
    nix::sched::setns(&namespace, nix::sched::CloneFlags::CLONE_NEWNET)
        .context("cannot join the second client's network namespace (needs root)")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the second client's runtime")?;
    runtime.block_on(async move {
        tokio::select! {
            figures = attacks::run(attack, target, hold) => Ok(figures),
            _ = stopped => bail!("the second client was stopped"),
        }
    })
}
