//! `profiles`: each profile's state and published ports.

use crate::app::profiles::ProfileEntry;
use crate::compose::{Compose, Layout};
use crate::docker::{connect, project_snapshots};

pub async fn profiles(layout: &Layout, current: &str) -> anyhow::Result<()> {
    let found = layout.profiles();
    if found.is_empty() {
        anyhow::bail!(
            "no profiles under {}: expected compose/compose.yaml and <profile>/compose.yaml. Fix: pass --root",
            layout.root.display()
        );
    }
    let docker = connect().await?;
    println!(
        "{:<2}{:<10} {:<18} {:<10} {:<11} PORTS",
        "", "PROFILE", "PROJECT", "STATE", "CONTAINERS"
    );
    for profile in found {
        let mut entry = ProfileEntry::from_profile(&profile);
        let containers = project_snapshots(&docker, &profile.project).await?;
        entry.total = containers.len();
        entry.running = containers.iter().filter(|c| c.is_running()).count();
        entry.counted = true;
        // A broken overlay should not hide the other profiles.
        let ports = match Compose::new(profile.clone()).model().await {
            Ok(model) => {
                entry.expected = Some(model.services.len());
                model
                    .published_ports()
                    .iter()
                    .map(|(ip, port)| format!("{ip}:{port}"))
                    .collect::<Vec<_>>()
                    .join(",")
            }
            Err(err) => format!(
                "(compose config failed: {})",
                err.to_string().lines().next().unwrap_or("")
            ),
        };
        let marker = if profile.name == current { "*" } else { "" };
        println!(
            "{:<2}{:<10} {:<18} {:<10} {:<11} {}",
            marker,
            entry.name,
            entry.project,
            entry.state().label(),
            format!("{}/{}", entry.running, entry.total),
            ports
        );
    }
    Ok(())
}
