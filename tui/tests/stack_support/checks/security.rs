//! Secrets stay out of environment values, process arguments and image history; every service
//! runs hardened (non-root process, read-only root, no capabilities, no-new-privileges).

use bollard::models::ContainerInspectResponse;

use test_support::repo_root;
use test_support::stack::Stack;
use test_support::stack::prepare;
use test_support::{engine, host};

/// The generated secret values (env/secrets/<name>, written by compose/prepare, which runs
/// first because a fresh clone has no secrets yet).
pub fn secret_values() -> Vec<(String, String)> {
    prepare();
    ["db_password", "redis_password", "postgres_password"]
        .iter()
        .map(|name| {
            let path = repo_root().join("env/secrets").join(name);
            let value = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
            assert!(value.trim().len() >= 32, "{name} is a long random value");
            ((*name).to_owned(), value.trim().to_owned())
        })
        .collect()
}

/// No secret appears in any container's Config.Env, command line, labels, running process
/// arguments (Engine API top) or its image's history; no env var carries a password directly.
pub fn secrets_hidden(stack: &Stack) {
    let secrets = secret_values();
    let containers = stack.containers();
    assert_eq!(
        containers.len(),
        stack.expected_containers(),
        "all containers present"
    );
    let mut images = std::collections::BTreeSet::new();
    for container in &containers {
        let name = engine::name(container);
        let config = container.config.clone().unwrap_or_default();
        let mut exposed: Vec<String> = config.env.clone().unwrap_or_default();
        exposed.extend(config.cmd.clone().unwrap_or_default());
        exposed.extend(config.entrypoint.clone().unwrap_or_default());
        exposed.extend(config.labels.clone().unwrap_or_default().into_values());
        for (_, args) in stack.block_on(engine::processes(&stack.docker, name)) {
            exposed.push(args);
        }
        for entry in config.env.as_deref().unwrap_or_default() {
            let key = entry.split('=').next().unwrap_or_default();
            assert!(
                !key.ends_with("PASSWORD") && !key.ends_with("_PASS"),
                "{name} has a password in an environment variable: {key}"
            );
        }
        assert_free_of_secrets(name, &exposed, &secrets);
        if let Some(image) = container.image.clone() {
            images.insert(image);
        }
    }
    for image in images {
        let history = stack.block_on(engine::image_history(&stack.docker, &image));
        assert_free_of_secrets(&format!("image {image} history"), &history, &secrets);
    }
}

fn assert_free_of_secrets(what: &str, texts: &[String], secrets: &[(String, String)]) {
    for text in texts {
        for (name, value) in secrets {
            assert!(
                !text.contains(value.as_str()),
                "{what} exposes the {name} secret"
            );
        }
    }
}

/// Per container: the running main process (read from /proc on the host) has non-zero uids,
/// no effective, permitted or bounding capabilities and NoNewPrivs; the configuration says
/// read-only root, cap_drop ALL with nothing added back, no-new-privileges; every process in
/// `docker top` runs as non-root.
pub fn hardening(stack: &Stack) {
    let containers = stack.containers();
    assert_eq!(
        containers.len(),
        stack.expected_containers(),
        "all containers present"
    );
    for container in &containers {
        let name = engine::name(container);
        assert_configured_hardening(name, container);
        let status = std::fs::read_to_string(format!("/proc/{}/status", engine::pid(container)))
            .unwrap_or_else(|err| panic!("{name}: read its main process status: {err}"));
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
                .unwrap_or_else(|| panic!("{name}: no {key} in /proc status"))
                .to_owned()
        };
        for uid in field("Uid:").split_whitespace() {
            assert_ne!(
                uid,
                "0",
                "{name}: main process runs with uid 0 ({})",
                field("Uid:")
            );
        }
        for caps in ["CapEff:", "CapPrm:", "CapBnd:"] {
            assert_eq!(field(caps), "0000000000000000", "{name}: {caps} not empty");
        }
        assert_eq!(field("NoNewPrivs:"), "1", "{name}: NoNewPrivs");
        for (uid, args) in stack.block_on(engine::processes(&stack.docker, name)) {
            assert_ne!(uid, "0", "{name}: process {args:?} runs as root");
        }
    }
}

fn assert_configured_hardening(name: &str, container: &ContainerInspectResponse) {
    let host = container.host_config.clone().unwrap_or_default();
    assert_eq!(
        host.readonly_rootfs,
        Some(true),
        "{name}: read-only root filesystem"
    );
    assert_eq!(
        host.cap_drop.unwrap_or_default(),
        vec!["ALL".to_owned()],
        "{name}: cap_drop ALL"
    );
    assert!(
        host.cap_add.unwrap_or_default().is_empty(),
        "{name}: no capability is added back"
    );
    assert!(
        host.security_opt
            .unwrap_or_default()
            .iter()
            .any(|o| o.starts_with("no-new-privileges")),
        "{name}: no-new-privileges"
    );
    assert!(host.memory.unwrap_or(0) > 0, "{name}: memory limit");
    assert!(host.nano_cpus.unwrap_or(0) > 0, "{name}: CPU limit");
    assert!(host.pids_limit.unwrap_or(0) > 0, "{name}: pids limit");
    let user = container
        .config
        .as_ref()
        .and_then(|c| c.user.clone())
        .unwrap_or_default();
    assert!(
        !user.is_empty() && !user.starts_with("0:") && user != "0" && user != "root",
        "{name}: configured user {user:?} is not root"
    );
}

/// edge-host's admin listener (/metrics, POST /admin/reload, no authentication) answers only
/// inside the app container: not from nginx's container, not from the host on the container's
/// address; the app port on the same paths answers as a control.
pub fn admin_listener_private(stack: &Stack) {
    const ADMIN: u16 = 9090;
    const APP: u16 = 3000;
    let nginx = stack
        .service("nginx")
        .into_iter()
        .next()
        .expect("an nginx container");
    let nginx_name = engine::name(&nginx).to_owned();
    // `wget` from nginx's container; any failure (refused, or the app's own 404) is false.
    let fetch = |url: String| {
        std::process::Command::new("docker")
            .args([
                "exec",
                &nginx_name,
                "wget",
                "-q",
                "-T",
                "2",
                "-O",
                "/dev/null",
            ])
            .arg(url)
            .status()
            .expect("docker exec runs")
            .success()
    };
    // /health on the app port is the control that the network path works.
    let control = fetch(format!("http://app:{APP}/health"));
    assert!(control, "{nginx_name} reaches the app on {APP}");
    assert!(
        !fetch(format!("http://app:{ADMIN}/metrics")),
        "{nginx_name} reaches the app's admin listener on {ADMIN}"
    );
    for app in stack.service("app") {
        let name = engine::name(&app).to_owned();
        let addresses: Vec<std::net::IpAddr> = app
            .network_settings
            .as_ref()
            .and_then(|settings| settings.networks.as_ref())
            .into_iter()
            .flat_map(|networks| networks.values())
            .filter_map(|endpoint| endpoint.ip_address.as_deref()?.parse().ok())
            .collect();
        assert!(!addresses.is_empty(), "{name} has addresses");
        for ip in addresses {
            assert!(
                host::answers(ip, APP, std::time::Duration::from_secs(1)),
                "control: the host reaches {name} on {ip}:{APP}"
            );
            assert!(
                !host::answers(ip, ADMIN, std::time::Duration::from_millis(500)),
                "the host reaches {name}'s admin listener on {ip}:{ADMIN}"
            );
        }
        let inside = std::process::Command::new("docker")
            .args(["exec", &name, "/usr/local/bin/edge-host", "healthcheck"])
            .arg(format!("http://127.0.0.1:{ADMIN}/metrics"))
            .status()
            .expect("docker exec runs");
        assert!(
            inside.success(),
            "{name}: /metrics answers inside the container"
        );
    }
}
