//! `profiles`: each profile's state and published ports.

use crate::cli::ListFormat;
use crate::compose::Compose;
use crate::docker::{connect, project_snapshots};
use serde::Serialize;
use stack_core::app::profiles::ProfileEntry;
use stack_core::model::Layout;

/// One line of `profiles`, as `--format json` prints it.
#[derive(Debug, Serialize)]
struct ProfileLine {
    name: String,
    project: String,
    selected: bool,
    state: &'static str,
    running: usize,
    containers: usize,
    /// `IP:PORT` for each port the profile publishes, from its merged compose model.
    ports: Vec<String>,
    /// Why the ports could not be read (a broken overlay), when they could not.
    error: Option<String>,
}

pub async fn profiles(layout: &Layout, current: &str, format: ListFormat) -> anyhow::Result<()> {
    let found = layout.profiles();
    if found.is_empty() {
        anyhow::bail!(
            "no profiles under {}: expected compose/compose.yaml and <profile>/compose.yaml. Fix: pass --root",
            layout.root.display()
        );
    }
    let docker = connect().await?;
    let mut lines = Vec::new();
    for profile in found {
        let mut entry = ProfileEntry::from_profile(&profile);
        let containers = project_snapshots(&docker, &profile.project).await?;
        // One-shots (migrations) exit by design: they count neither way.
        let long_running = containers.iter().filter(|c| !c.one_shot);
        entry.total = long_running.clone().count();
        entry.running = long_running.filter(|c| c.is_running()).count();
        entry.counted = true;
        // A broken overlay should not hide the other profiles.
        let (ports, error) = match Compose::new(profile.clone()).model().await {
            Ok(model) => {
                entry.expected = Some(model.long_running_services());
                let ports = model
                    .published_ports()
                    .iter()
                    .map(|(ip, port)| format!("{ip}:{port}"))
                    .collect();
                (ports, None)
            }
            Err(err) => (
                Vec::new(),
                Some(err.to_string().lines().next().unwrap_or("").to_string()),
            ),
        };
        lines.push(ProfileLine {
            selected: profile.name == current,
            state: entry.state().label(),
            running: entry.running,
            containers: entry.total,
            name: entry.name,
            project: entry.project,
            ports,
            error,
        });
    }
    match format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&lines)?),
        ListFormat::Text => print_table(&lines),
    }
    Ok(())
}

fn print_table(lines: &[ProfileLine]) {
    println!(
        "{:<2}{:<10} {:<18} {:<10} {:<11} PORTS",
        "", "PROFILE", "PROJECT", "STATE", "CONTAINERS"
    );
    for line in lines {
        let ports = match &line.error {
            Some(error) => format!("(compose config failed: {error})"),
            None => line.ports.join(","),
        };
        println!(
            "{:<2}{:<10} {:<18} {:<10} {:<11} {}",
            if line.selected { "*" } else { "" },
            line.name,
            line.project,
            line.state,
            format!("{}/{}", line.running, line.containers),
            ports
        );
    }
}
