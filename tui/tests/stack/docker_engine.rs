//! Proves the Docker engine is usable from Rust: ping, a user-defined network, a container from the
//! local base image on it, its exit code and its logs, and clean-up of both.

use bollard::Docker;
use bollard::models::{ContainerCreateBody, EndpointSettings, HostConfig, NetworkCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use futures_util::StreamExt;
use std::collections::HashMap;

const BASE_IMAGE: &str = "stack-tui/base:bookworm";

/// Removes the container and network when the test ends, also when it fails.
struct Cleanup {
    docker: Docker,
    container: String,
    network: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let docker = self.docker.clone();
        let container = self.container.clone();
        let network = self.network.clone();
        // Drop cannot be async; run the removal on a small runtime of its own.
        let removal = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for clean-up");
            runtime.block_on(async {
                let force = RemoveContainerOptionsBuilder::default().force(true).build();
                let _ = docker.remove_container(&container, Some(force)).await;
                let _ = docker.remove_network(&network).await;
            });
        });
        let _ = removal.join();
    }
}

#[tokio::test]
async fn engine_runs_a_container_on_a_user_network() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    let docker = Docker::connect_with_local_defaults()
        .expect("Docker client (is DOCKER_HOST valid?)")
        .negotiate_version()
        .await
        .expect("Docker daemon answers version negotiation");
    assert_eq!(docker.ping().await.expect("ping"), "OK");

    let suffix = format!("{}-{}", std::process::id(), rand_suffix());
    let network = format!("stack-tui-test-net-{suffix}");
    let container = format!("stack-tui-test-box-{suffix}");
    let _cleanup = Cleanup {
        docker: docker.clone(),
        container: container.clone(),
        network: network.clone(),
    };

    let created = docker
        .create_network(NetworkCreateRequest {
            name: network.clone(),
            driver: Some("bridge".into()),
            ..Default::default()
        })
        .await
        .expect("create network");
    assert!(!created.id.is_empty(), "network has an id");

    let endpoints = HashMap::from([(network.clone(), EndpointSettings::default())]);
    let body = ContainerCreateBody {
        image: Some(BASE_IMAGE.into()),
        cmd: Some(vec![
            "/bin/sh".into(),
            "-c".into(),
            "echo hello-from-stack-tui; exit 3".into(),
        ]),
        host_config: Some(HostConfig {
            network_mode: Some(network.clone()),
            ..Default::default()
        }),
        networking_config: Some(bollard::models::NetworkingConfig {
            endpoints_config: Some(endpoints),
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default()
        .name(&container)
        .build();
    docker
        .create_container(Some(options), body)
        .await
        .expect("create container from the local base image (run .ci/setup-host)");
    docker
        .start_container(
            &container,
            None::<bollard::query_parameters::StartContainerOptions>,
        )
        .await
        .expect("start container");

    let inspected = docker
        .inspect_container(
            &container,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .expect("inspect");
    let attached = inspected
        .network_settings
        .and_then(|settings| settings.networks)
        .map(|networks| networks.contains_key(&network))
        .unwrap_or(false);
    assert!(attached, "container is attached to {network}");

    // bollard reports a non-zero exit as an error carrying the code.
    let wait = WaitContainerOptionsBuilder::default()
        .condition("not-running")
        .build();
    let exit_code = match docker.wait_container(&container, Some(wait)).next().await {
        Some(Ok(response)) => response.status_code,
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
        other => panic!("unexpected wait result: {other:?}"),
    };
    assert_eq!(exit_code, 3);

    let logs_options = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .build();
    let mut logs = docker.logs(&container, Some(logs_options));
    let mut output = String::new();
    while let Some(chunk) = logs.next().await {
        output.push_str(&chunk.expect("log chunk").to_string());
    }
    assert_eq!(output.trim(), "hello-from-stack-tui");
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() % 1_000_000)
        .unwrap_or(0)
}
