//! `doctor`: everything `up` needs, checked one by one, each failure with its fix; and whether
//! each secret still opens its store (secret drift).

use super::endpoint_check::endpoint_checks;
use super::ports::{PortCheck, check_port};
use super::secret_drift;
use crate::compose::{Compose, detect_version, image_source};
use crate::docker::endpoint;
use crate::docker::{connect_to, project_snapshots};
use bollard::Docker;
use stack_core::image_source::Decision;
use stack_core::model::{ComposeModel, Layout};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Ok,
    Warn,
    Fail,
}

pub(super) struct Report {
    failures: usize,
}

impl Report {
    pub(super) fn line(&mut self, verdict: Verdict, text: impl AsRef<str>) {
        let mark = match verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => {
                self.failures += 1;
                "FAIL"
            }
        };
        println!("[{mark}] {}", text.as_ref());
    }
}

/// Returns Err when any check failed, so the process exits non-zero.
pub async fn doctor(layout: &Layout, profile: &str) -> anyhow::Result<()> {
    let mut report = Report { failures: 0 };
    // Which daemon first: every later check (and compose) goes to it.
    let endpoint = match endpoint::current() {
        Ok(endpoint) => {
            endpoint_checks(&mut report, endpoint).await;
            Some(endpoint)
        }
        Err(err) => {
            report.line(Verdict::Fail, err.to_string());
            None
        }
    };
    let docker = match endpoint {
        Some(endpoint) => match connect_to(endpoint).await {
            Ok(docker) => {
                let version = docker.version().await.ok();
                let engine = version
                    .as_ref()
                    .and_then(|v| v.version.clone())
                    .unwrap_or_else(|| "?".into());
                report.line(
                    Verdict::Ok,
                    format!(
                        "Docker engine {engine}, API {} at {}",
                        docker.client_version(),
                        endpoint.host
                    ),
                );
                Some(docker)
            }
            Err(err) => {
                report.line(Verdict::Fail, err.to_string());
                None
            }
        },
        None => None,
    };
    let compose_ok = match detect_version().await {
        Ok(version) => {
            report.line(Verdict::Ok, format!("Docker Compose {version}"));
            true
        }
        Err(err) => {
            report.line(Verdict::Fail, err.to_string());
            false
        }
    };
    match layout.profile(profile) {
        Ok(found) => {
            report.line(
                Verdict::Ok,
                format!(
                    "profile {profile}: project {} in {}",
                    found.project,
                    layout.root.display()
                ),
            );
            if compose_ok {
                project_checks(&mut report, docker.as_ref(), Compose::new(found)).await;
            }
        }
        Err(err) => report.line(Verdict::Fail, err.to_string()),
    }
    if report.failures > 0 {
        anyhow::bail!(
            "doctor found {} problem(s); fix the lines marked FAIL above",
            report.failures
        );
    }
    Ok(())
}

async fn project_checks(report: &mut Report, docker: Option<&Docker>, compose: Compose) {
    let config = match compose.config_json(&[]).await {
        Ok(text) => text,
        Err(err) => return report.line(Verdict::Fail, err.to_string()),
    };
    let model = match ComposeModel::from_json(&config) {
        Ok(model) => {
            report.line(
                Verdict::Ok,
                format!("compose model: {} services", model.services.len()),
            );
            model
        }
        Err(err) => return report.line(Verdict::Fail, err.to_string()),
    };
    if let Some(docker) = docker {
        for (name, service) in &model.services {
            let Some(image) = &service.image else {
                report.line(Verdict::Ok, format!("service {name}: built locally"));
                continue;
            };
            match (docker.inspect_image(image).await, service.has_build) {
                (Ok(_), _) => report.line(Verdict::Ok, format!("service {name}: image {image} present")),
                (Err(_), true) => report.line(Verdict::Ok, format!("service {name}: image {image} will be built")),
                (Err(_), false) => report.line(
                    Verdict::Fail,
                    format!("service {name}: image {image} is missing and has no build section. Fix: `docker pull {image}` if a registry is reachable, or run the project's preparation script to select local stand-ins"),
                ),
            }
        }
    }
    let owned: Vec<String> = match docker {
        Some(docker) => project_snapshots(docker, &compose.profile().project)
            .await
            .unwrap_or_default()
            .iter()
            .flat_map(|c| {
                c.ports
                    .iter()
                    .map(|p| format!("{}:{}", p.host_ip, p.host_port))
            })
            .collect(),
        None => Vec::new(),
    };
    for (ip, port) in model.published_ports() {
        match check_port(&ip, port, &owned) {
            PortCheck::Free => report.line(Verdict::Ok, format!("port {ip}:{port} is free")),
            PortCheck::OwnedByProfile => report.line(Verdict::Ok, format!("port {ip}:{port} is served by this profile")),
            PortCheck::Taken(reason) => report.line(
                Verdict::Fail,
                format!("port {ip}:{port} is taken ({reason}). Fix: stop what listens there (`ss -ltnp 'sport = :{port}'`) or change the port in env/{}.env", compose.profile().name),
            ),
        }
    }
    for (name, file) in &model.secrets {
        match file {
            Some(path) if path.is_file() => report.line(Verdict::Ok, format!("secret {name}: {}", path.display())),
            Some(path) => report.line(
                Verdict::Warn,
                format!("secret {name}: {} does not exist yet. Fix: `stack-tui up` generates it in its preparation step", path.display()),
            ),
            None => report.line(Verdict::Ok, format!("secret {name}: not file-based")),
        }
    }
    // Which image source made the data volumes, against the one `up` would start.
    if let Some(docker) = docker {
        let parsed = serde_json::from_str(&config).unwrap_or_default();
        match image_source::check(docker, &compose, &parsed).await {
            Ok(Some(decision)) => {
                let (failed, text) = decision.report();
                let unknown = matches!(&decision, Decision::Allowed { unrecorded, .. } if !unrecorded.is_empty());
                let verdict = match (failed, unknown) {
                    (true, _) => Verdict::Fail,
                    (false, true) => Verdict::Warn,
                    (false, false) => Verdict::Ok,
                };
                report.line(verdict, text);
            }
            Ok(None) => {}
            Err(err) => report.line(
                Verdict::Warn,
                format!("image source: cannot read the data volumes' record: {err:#}"),
            ),
        }
    }
    // Each secret against the store that keeps a copy of it, through the running containers.
    if let Some(docker) = docker {
        for checked in secret_drift::check_all(docker, &compose, &model).await {
            let (verdict, text) = checked.report(&compose);
            report.line(verdict, text);
        }
    }
}
