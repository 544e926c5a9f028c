//! Rolling replace of the app's replicas: one new container from the freshly built image, ready
//! (as stack-tui probes it, see [`readiness`]) before one old container is stopped (edge-host
//! drains its in-flight requests on SIGTERM), until every replica runs the new image. nginx
//! resolves `app` at run time, so it follows along. A new replica that is not ready is removed
//! and the rollout rolled back: the image tag names the previous image again and any replica
//! already replaced is replaced back, so the old build keeps serving and the next `up` starts it.

mod clone;
mod readiness;

use super::StepContext;
use crate::docker::project_snapshots;
use bollard::query_parameters::{
    InspectContainerOptions, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
    TagImageOptionsBuilder,
};
use clone::Template;
use stack_core::model::container::{ContainerSnapshot, RunState};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

pub(super) const SERVICE: &str = "app";
/// Seconds an old replica gets to finish in-flight requests before it is killed.
const DRAIN_SECONDS: i32 = 10;

/// The image the replicas ran before the rollout: its id, and the reference compose starts
/// replicas from (`stack-tui/app:<profile>`), which the build has just moved to the new image.
struct PreviousImage {
    id: String,
    reference: String,
}

/// One replica replaced: the old one's name, the new container and where the time went.
struct Replaced {
    retired: String,
    fresh: ContainerSnapshot,
    took: SwapTimes,
}

/// One replica's swap: starting it, until stack-tui saw it ready, the old one's drain.
struct SwapTimes {
    start: Duration,
    /// Started as a copy of a sibling (else by compose).
    copied: bool,
    ready: Duration,
    drain: Duration,
}

impl SwapTimes {
    fn describe(&self) -> String {
        let total = self.start + self.ready + self.drain;
        format!(
            "{:.1} s: start {:.1} ({}), ready {:.1}, drain {:.1}",
            total.as_secs_f64(),
            self.start.as_secs_f64(),
            if self.copied { "copy" } else { "compose" },
            self.ready.as_secs_f64(),
            self.drain.as_secs_f64()
        )
    }
}

/// What a failed rollout undoes.
struct Rollback<'a> {
    previous: &'a PreviousImage,
    /// Replicas already running the new build, in the order they were replaced.
    replaced: &'a [Replaced],
    /// How many replicas the app runs.
    replicas: usize,
    template: Option<&'a Template>,
}

impl StepContext {
    pub(super) async fn roll_replicas(&self) -> Result<String, String> {
        let old = self.app_containers().await?;
        let Some(first) = old.first() else {
            return Err(format!(
                "no {SERVICE} container in {} to replace; bring the profile up first",
                self.compose.profile().project
            ));
        };
        let previous = self.previous_image(first).await?;
        let template = self.clone_template(first).await;
        let mut known: BTreeSet<String> = old.iter().map(|c| c.id.clone()).collect();
        let mut replaced: Vec<Replaced> = Vec::new();
        for retiring in &old {
            match self
                .replace(retiring, old.len(), &mut known, template.as_ref())
                .await
            {
                Ok((fresh, took)) => replaced.push(Replaced {
                    retired: retiring.name.clone(),
                    fresh,
                    took,
                }),
                Err(why) => {
                    let rollback = Rollback {
                        previous: &previous,
                        replaced: &replaced,
                        replicas: old.len(),
                        template: template.as_ref(),
                    };
                    return Err(self.roll_back(why, rollback, &mut known).await);
                }
            }
        }
        let swaps: Vec<String> = replaced
            .iter()
            .map(|r| format!("{} → {} ({})", r.retired, r.fresh.name, r.took.describe()))
            .collect();
        let mut summary = format!("replaced {}", swaps.join(", "));
        for note in self.update_one_shots(&previous).await {
            summary.push_str("; ");
            summary.push_str(&note);
        }
        Ok(summary)
    }

    /// One-shot services that start from the app's image (the migrations) still name the
    /// previous image after a rollout; the next `up -d` would recreate them and, through
    /// `depends_on`, every app replica at once. Bringing them up now runs them once on the new
    /// image, so that `up` finds nothing to do. Returns a note per service for the timeline.
    async fn update_one_shots(&self, previous: &PreviousImage) -> Vec<String> {
        let current = match self.docker.inspect_image(&previous.reference).await {
            Ok(image) => image.id,
            Err(err) => return vec![format!("one-shot services not checked ({err})")],
        };
        let project = &self.compose.profile().project;
        let Ok(snapshots) = project_snapshots(&self.docker, project).await else {
            return vec!["one-shot services not checked (cannot list the containers)".into()];
        };
        let mut stale = BTreeSet::new();
        for snapshot in snapshots
            .iter()
            .filter(|c| c.one_shot && c.image == previous.reference)
        {
            let image = self
                .docker
                .inspect_container(&snapshot.id, None::<InspectContainerOptions>)
                .await
                .ok()
                .and_then(|inspected| inspected.image);
            if image != current {
                stale.insert(snapshot.service.clone());
            }
        }
        let mut notes = Vec::new();
        for service in stale {
            notes.push(match self.compose.update(&service).await {
                Ok(()) => format!("{service} brought to the new image"),
                Err(err) => format!("{service} still on the previous image ({err})"),
            });
        }
        notes
    }

    /// Starts one new replica, waits until it is ready, then drains and removes `retiring`. A new
    /// replica that is not ready is removed and `retiring` is left serving.
    async fn replace(
        &self,
        retiring: &ContainerSnapshot,
        replicas: usize,
        known: &mut BTreeSet<String>,
        template: Option<&Template>,
    ) -> Result<(ContainerSnapshot, SwapTimes), String> {
        let started = Instant::now();
        let (fresh, copied) = self.start_one_more(replicas + 1, known, template).await?;
        known.insert(fresh.id.clone());
        let start = started.elapsed();
        let ready = match self.wait_ready(&fresh).await {
            Ok(ready) => ready,
            Err(why) => {
                self.remove(&fresh.id, 0).await;
                return Err(why);
            }
        };
        let draining = Instant::now();
        self.remove(&retiring.id, DRAIN_SECONDS).await;
        let drain = draining.elapsed();
        Ok((
            fresh,
            SwapTimes {
                start,
                copied,
                ready,
                drain,
            },
        ))
    }

    /// Points the image reference back at the previous image and replaces every replica that
    /// already runs the new one; returns the failure message, saying what was done.
    async fn roll_back(
        &self,
        why: String,
        rollback: Rollback<'_>,
        known: &mut BTreeSet<String>,
    ) -> String {
        let Rollback {
            previous,
            replaced,
            replicas,
            template,
        } = rollback;
        if let Err(err) = self.retag(previous).await {
            return format!(
                "{why}; the new replica was removed, but {} could not be pointed back at the \
                 previous image ({err}): the next `up` would start the new build",
                previous.reference
            );
        }
        for new in replaced.iter().rev() {
            if let Err(err) = self.replace(&new.fresh, replicas, known, template).await {
                return format!(
                    "{why}; rolling back failed too: {err}; {} still runs the new build",
                    new.fresh.name
                );
            }
        }
        let serving = match self.app_containers().await {
            Ok(containers) => names(&containers),
            Err(err) => err,
        };
        format!(
            "{why}; rolled back: the new replica was removed, {} names the previous image again{}, \
             and {serving} keep serving",
            previous.reference,
            if replaced.is_empty() {
                String::new()
            } else {
                format!(", {} replaced back", replaced.len())
            }
        )
    }

    async fn previous_image(&self, replica: &ContainerSnapshot) -> Result<PreviousImage, String> {
        let inspected = self
            .docker
            .inspect_container(&replica.id, None::<InspectContainerOptions>)
            .await
            .map_err(|err| format!("cannot inspect {}: {err}", replica.name))?;
        let id = inspected
            .image
            .ok_or_else(|| format!("the engine names no image for {}", replica.name))?;
        Ok(PreviousImage {
            id,
            reference: replica.image.clone(),
        })
    }

    async fn retag(&self, previous: &PreviousImage) -> Result<(), String> {
        let (repo, tag) = split_reference(&previous.reference);
        let options = TagImageOptionsBuilder::default()
            .repo(repo)
            .tag(tag)
            .build();
        self.docker
            .tag_image(&previous.id, Some(options))
            .await
            .map_err(|err| err.to_string())
    }

    /// The app's containers, oldest replica number first.
    async fn app_containers(&self) -> Result<Vec<ContainerSnapshot>, String> {
        let project = &self.compose.profile().project;
        let mut containers: Vec<ContainerSnapshot> = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?
            .into_iter()
            .filter(|c| c.service == SERVICE && c.state == RunState::Running)
            .collect();
        containers.sort_by_key(|c| replica_number(&c.name));
        Ok(containers)
    }

    /// Starts one more replica and returns it: a copy of a current sibling when there is a
    /// template, else (or when copying fails) compose scaling up to `replicas`, which leaves the
    /// existing ones as they are.
    async fn start_one_more(
        &self,
        replicas: usize,
        known: &BTreeSet<String>,
        template: Option<&Template>,
    ) -> Result<(ContainerSnapshot, bool), String> {
        if let Some(template) = template {
            match self.start_copy(template).await {
                Ok(fresh) => return Ok((fresh, true)),
                Err(err) => tracing::warn!(%err, "copying a replica failed; compose starts it"),
            }
        }
        self.compose
            .add_replicas(SERVICE, replicas)
            .await
            .map_err(|err| err.to_string())?;
        self.app_containers()
            .await?
            .into_iter()
            .find(|c| !known.contains(&c.id))
            .map(|fresh| (fresh, false))
            .ok_or_else(|| "compose started no new app container".to_string())
    }

    async fn start_copy(&self, template: &Template) -> Result<ContainerSnapshot, String> {
        let running = self.app_containers().await?;
        let number = running
            .iter()
            .map(|c| replica_number(&c.name))
            .filter(|n| *n != u32::MAX)
            .max()
            .unwrap_or(0)
            + 1;
        let id = self
            .start_clone(template, template.reference(), number)
            .await?;
        self.app_containers()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| format!("the new replica {id} is not running"))
    }

    /// Stops (SIGTERM, then SIGKILL after `drain_seconds`) and removes a container; a container
    /// that is already gone is fine.
    async fn remove(&self, id: &str, drain_seconds: i32) {
        let stop = StopContainerOptionsBuilder::default()
            .t(drain_seconds)
            .build();
        if let Err(err) = self.docker.stop_container(id, Some(stop)).await {
            tracing::warn!(%id, %err, "stopping a replaced replica failed");
        }
        let force = RemoveContainerOptionsBuilder::default().force(true).build();
        if let Err(err) = self.docker.remove_container(id, Some(force)).await {
            tracing::warn!(%id, %err, "removing a replaced replica failed");
        }
    }
}

/// `repo[:tag]` split as the engine reads it: a `:` after the last `/` starts the tag (a registry
/// port comes before a `/`).
fn split_reference(reference: &str) -> (&str, &str) {
    let name_start = reference.rfind('/').map_or(0, |slash| slash + 1);
    match reference[name_start..].rfind(':') {
        Some(colon) => (
            &reference[..name_start + colon],
            &reference[name_start + colon + 1..],
        ),
        None => (reference, "latest"),
    }
}

/// Compose names replicas `<project>-<service>-<n>`.
fn replica_number(name: &str) -> u32 {
    name.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

fn names(containers: &[ContainerSnapshot]) -> String {
    containers
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::{replica_number, split_reference};

    #[test]
    fn image_references_split_into_repository_and_tag() {
        assert_eq!(
            split_reference("stack-tui/app:dev"),
            ("stack-tui/app", "dev")
        );
        assert_eq!(
            split_reference("localhost:5000/stack-tui/app:prod"),
            ("localhost:5000/stack-tui/app", "prod")
        );
        assert_eq!(
            split_reference("localhost:5000/app"),
            ("localhost:5000/app", "latest")
        );
        assert_eq!(split_reference("app"), ("app", "latest"));
    }

    #[test]
    fn replicas_are_ordered_by_their_compose_number() {
        let mut names = [
            "stack-dev-app-10",
            "stack-dev-app-2",
            "odd",
            "stack-dev-app-1",
        ];
        names.sort_by_key(|name| replica_number(name));
        assert_eq!(
            names,
            [
                "stack-dev-app-1",
                "stack-dev-app-2",
                "stack-dev-app-10",
                "odd"
            ]
        );
    }
}
