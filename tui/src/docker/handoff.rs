//! Work the session hands off to its own task so the event loop never waits for it: lifecycle
//! operations (which can take as long as a container's stop timeout) and profile counts.

use super::convert::PROJECT_LABEL;
use bollard::Docker;
use bollard::query_parameters::ListContainersOptionsBuilder;
use stack_core::model::container::{ONE_SHOT_LABEL, is_one_shot_label};
use stack_core::protocol::docker::{DockerUpdate, LifecycleOp};
use std::collections::HashMap;
use std::time::Instant;
use tokio::sync::mpsc;

pub(super) async fn lifecycle(
    docker: Docker,
    op: LifecycleOp,
    ids: Vec<String>,
    label: String,
    updates: mpsc::Sender<DockerUpdate>,
) {
    let started = Instant::now();
    let mut result = Ok(());
    for id in &ids {
        let outcome = match op {
            LifecycleOp::Start => {
                docker
                    .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
                    .await
            }
            LifecycleOp::Stop => {
                docker
                    .stop_container(id, None::<bollard::query_parameters::StopContainerOptions>)
                    .await
            }
            LifecycleOp::Restart => {
                docker
                    .restart_container(
                        id,
                        None::<bollard::query_parameters::RestartContainerOptions>,
                    )
                    .await
            }
        };
        if let Err(err) = outcome {
            result = Err(format!("{} {id}: {err}", op.verb()));
            break;
        }
    }
    let _ = updates
        .send(DockerUpdate::LifecycleDone {
            label,
            elapsed: started.elapsed(),
            result,
        })
        .await;
}

pub(super) async fn profile_states(
    docker: Docker,
    projects: Vec<String>,
    updates: mpsc::Sender<DockerUpdate>,
) {
    let mut states = Vec::new();
    for project in projects {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("{PROJECT_LABEL}={project}")],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let Ok(list) = docker.list_containers(Some(options)).await else {
            continue;
        };
        // One-shots (migrations) exit by design: they count neither way.
        let long_running: Vec<_> = list
            .iter()
            .filter(|c| {
                let labels = c.labels.as_ref();
                !is_one_shot_label(
                    labels
                        .and_then(|labels| labels.get(ONE_SHOT_LABEL))
                        .map(String::as_str),
                )
            })
            .collect();
        let running = long_running
            .iter()
            .filter(|c| c.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING))
            .count();
        states.push((project, running, long_running.len()));
    }
    let _ = updates.send(DockerUpdate::ProfileStates(states)).await;
}
