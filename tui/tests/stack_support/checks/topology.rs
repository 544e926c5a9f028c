//! Isolation: only nginx publishes (on loopback), Redis and Postgres sit on the internal network
//! only, and nothing answers on their ports on any of the host's own addresses.

use std::collections::BTreeSet;
use std::time::Duration;

use test_support::stack::Stack;
use test_support::{engine, host};

pub fn isolation(stack: &Stack) {
    let frontend = format!("{}_frontend", stack.project);
    let backend = format!("{}_backend", stack.project);
    let network = stack.block_on(engine::network(&stack.docker, &backend));
    assert_eq!(network.internal, Some(true), "{backend} is internal");
    let network = stack.block_on(engine::network(&stack.docker, &frontend));
    assert_ne!(
        network.internal,
        Some(true),
        "{frontend} is a normal bridge"
    );

    for container in stack.containers() {
        let name = engine::name(&container).to_owned();
        let service = engine::service_of(&container)
            .unwrap_or_default()
            .to_owned();
        let networks = engine::networks(&container);
        let published = engine::published_ports(&container);
        let expected: BTreeSet<String> = match service.as_str() {
            "nginx" => [frontend.clone()].into(),
            "app" => [frontend.clone(), backend.clone()].into(),
            _ => [backend.clone()].into(),
        };
        assert_eq!(networks, expected, "{name}: attached networks");
        if service == "nginx" {
            let wanted = 1 + usize::from(stack.profile.tls());
            assert_eq!(published.len(), wanted, "{name} publishes {published:?}");
            for binding in &published {
                assert!(
                    binding.starts_with("127.0.0.1:"),
                    "{name} publishes {binding} beyond loopback"
                );
            }
        } else {
            assert!(
                published.is_empty(),
                "{name} publishes {published:?}; only nginx may"
            );
        }
    }

    let addresses = host::own_addresses();
    for ip in &addresses {
        for (service, port) in [("redis", 6379), ("postgres", 5432)] {
            assert!(
                !host::answers(*ip, port, Duration::from_millis(500)),
                "something answers on {ip}:{port} (the {service} port) on this host; the stack must not publish it \
                 (if another server of your own listens there, stop it and rerun)"
            );
        }
    }
}
