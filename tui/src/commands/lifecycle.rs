//! `up` and `down`, with compose's own progress on the terminal.

use super::ports::{PortCheck, check_port};
use super::secret_drift;
use crate::compose::{Compose, Output, detect_version, image_source, overlays, prepare};
use crate::docker::{connect, project_snapshots};
use stack_core::model::{ComposeError, ComposeModel, Layout, is_protected};

/// Fails when a port the profile publishes is held by something other than the profile itself.
async fn ensure_ports_free(compose: &Compose, model: &ComposeModel) -> anyhow::Result<()> {
    let owned: Vec<String> = match connect().await {
        Ok(docker) => project_snapshots(&docker, &compose.profile().project)
            .await
            .unwrap_or_default()
            .iter()
            .flat_map(|c| {
                c.ports
                    .iter()
                    .map(|p| format!("{}:{}", p.host_ip, p.host_port))
            })
            .collect(),
        Err(err) => return Err(err.into()),
    };
    for (ip, port) in model.published_ports() {
        if let PortCheck::Taken(reason) = check_port(&ip, port, &owned) {
            anyhow::bail!(
                "port {ip}:{port} that profile {} publishes is taken ({reason}). Fix: stop whatever listens \
                 there (`ss -ltnp 'sport = :{port}'`), or change the port in env/{}.env",
                compose.profile().name,
                compose.profile().name
            );
        }
    }
    Ok(())
}

/// `with` names opt-in overlays to turn on (kept with those already on until `down`).
pub async fn up(
    layout: &Layout,
    profile: &str,
    detach: bool,
    with: &[String],
) -> anyhow::Result<()> {
    overlays::turn_on(layout, profile, with)?;
    let compose = Compose::new(layout.profile(profile)?);
    announce_overlays(&compose, with);
    detect_version().await?;
    prepare(layout, profile, Output::Terminal).await?;
    let config = compose.config_json(&[]).await?;
    let model = ComposeModel::from_json(&config)?;
    // Before anything starts: data made by the other image source is refused, untouched.
    let parsed: serde_json::Value = serde_json::from_str(&config)?;
    image_source::ensure_same_source(&connect().await?, &compose, &parsed).await?;
    ensure_ports_free(&compose, &model).await?;
    eprintln!(
        "bringing up {} (project {})…",
        profile,
        compose.profile().project
    );
    // The stores first: a secret that no longer opens one is repaired before anything uses it.
    let repaired = secret_drift::settle(&compose, &model).await?;
    let result = if repaired {
        eprintln!("secrets: recreating the services so that each reads the current secrets");
        compose.up_recreated(detach, Output::Terminal).await
    } else {
        compose.up(detach, Output::Terminal).await
    };
    result.map_err(explain)?;
    announce_prometheus(&model);
    Ok(())
}

/// Says which overlays run, and which of them an earlier `up --with` turned on.
fn announce_overlays(compose: &Compose, asked: &[String]) {
    let on = &compose.profile().overlays;
    if on.is_empty() {
        return;
    }
    let kept: Vec<&str> = on
        .iter()
        .filter(|name| !asked.contains(name))
        .map(String::as_str)
        .collect();
    let mut line = format!(
        "overlays: {} (until `{} down`)",
        on.join(", "),
        compose.stack_tui_command()
    );
    if !kept.is_empty() {
        line.push_str(&format!(
            "; {} from an earlier `up --with`",
            kept.join(", ")
        ));
    }
    eprintln!("{line}");
}

/// Where the monitoring overlay's Prometheus answers, when it runs.
fn announce_prometheus(model: &ComposeModel) {
    let published = model.services.get("prometheus").and_then(|service| {
        service
            .ports
            .iter()
            .find_map(|port| Some((port.host_ip.clone(), port.published?)))
    });
    if let Some((ip, port)) = published {
        eprintln!("monitoring: Prometheus at http://{ip}:{port} (targets: /targets)");
    }
}

/// How `down` deals with a request that deletes data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Ask on the terminal (stdin); anything but the typed profile name cancels.
    Ask,
    /// `--yes`: the caller has decided.
    Given,
}

pub async fn down(
    layout: &Layout,
    profile: &str,
    volumes: bool,
    confirmation: Confirmation,
) -> anyhow::Result<()> {
    let compose = Compose::new(layout.profile(profile)?);
    detect_version().await?;
    if confirmation == Confirmation::Ask {
        // A remote daemon may be someone else's: taking anything down there asks, as prod's data does.
        let remote = crate::docker::endpoint::current()
            .ok()
            .filter(|endpoint| endpoint.is_remote());
        if volumes && is_protected(profile) || remote.is_some() {
            let place = remote.map(|endpoint| endpoint.describe());
            confirm_down(
                &compose.profile().project,
                profile,
                volumes,
                place.as_deref(),
            )?;
        }
    }
    compose
        .down(volumes, Output::Terminal)
        .await
        .map_err(explain)?;
    // Its overlays went down with it; the next `up` is without them unless asked again.
    overlays::forget(layout, profile)
}

/// Asks for the profile's name on stdin before the profile goes; no terminal (or EOF) cancels,
/// so a script must say `--yes`. `remote` describes a daemon that is not this machine's.
fn confirm_down(
    project: &str,
    profile: &str,
    volumes: bool,
    remote: Option<&str>,
) -> anyhow::Result<()> {
    let what = if volumes {
        format!("`down -v` deletes every volume of {project} (the {profile} profile's databases)")
    } else {
        format!("`down` removes the containers of {project}")
    };
    let place = remote
        .map(|daemon| format!(" on {daemon}"))
        .unwrap_or_default();
    super::confirm::type_profile_name(
        &format!("{what}{place}"),
        profile,
        &format!("{project} and its volumes are untouched"),
    )
}

fn explain(error: ComposeError) -> anyhow::Error {
    anyhow::anyhow!(
        "{error}. Fix: read compose's message above; `stack-tui doctor` checks images, ports and secrets"
    )
}
