//! Builders for dashboard states used by the update and snapshot tests.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the fixtures"
)]

use chrono::{DateTime, TimeZone, Utc};
use stack_core::app::profiles::ProfileEntry;
use stack_core::app::{Connection, ReplicaReadiness, State};
use stack_core::config::Config;
use stack_core::model::container::{
    Attachment, ContainerSnapshot, Health, NetworkSnapshot, Probe, PublishedPort, RunState,
};
use stack_core::model::readiness::Readiness;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub fn container(service: &str, state: RunState, health: Health) -> ContainerSnapshot {
    let name = format!("stack-local-{service}-1");
    ContainerSnapshot {
        id: format!("{service}0000000000000000"),
        name: name.clone(),
        service: service.to_string(),
        project: "stack-local".into(),
        image: format!("stack/{service}:test"),
        role: Some(role_of(service).into()),
        one_shot: false,
        state,
        health,
        exit_code: (state == RunState::Exited).then_some(137),
        started_at: Some(now() - chrono::Duration::seconds(3725)),
        restart_count: 0,
        oom_killed: false,
        failing_streak: 0,
        ports: Vec::new(),
        probes: vec![Probe {
            start: "2024-05-01T11:59:50.000000000Z".into(),
            end: "2024-05-01T11:59:50.120000000Z".into(),
            exit_code: if health == Health::Unhealthy { 1 } else { 0 },
            output: if health == Health::Unhealthy {
                "connection refused".into()
            } else {
                "PONG".into()
            },
        }],
        networks: Vec::new(),
    }
}

/// The `stack-tui.role` label the bundled stack gives each service.
fn role_of(service: &str) -> &str {
    match service {
        "nginx" => "entry",
        "redis" => "cache",
        "postgres" => "database",
        "migrate" => "migrations",
        other => other,
    }
}

fn attach(mut container: ContainerSnapshot, network: &str, address: &str) -> ContainerSnapshot {
    container.networks.push(Attachment {
        network: network.into(),
        address: address.into(),
    });
    container
}

pub fn base_state() -> State {
    let profiles = ["local", "dev", "prod"]
        .map(|name| ProfileEntry::new(name, &format!("stack-{name}")))
        .to_vec();
    let mut state = State::new(profiles, "local", &Config::default(), now());
    state.connection = Connection::Connected {
        api_version: "1.41".into(),
    };
    state
}

/// The bundled stack, all healthy, with networks and nginx's published port.
pub fn healthy_state() -> State {
    let mut state = base_state();
    let mut nginx = attach(
        container("nginx", RunState::Running, Health::Healthy),
        "stack-local_frontend",
        "172.20.0.2",
    );
    nginx.ports.push(PublishedPort {
        host_ip: "127.0.0.1".into(),
        host_port: 8080,
        container_port: 8080,
        protocol: "tcp".into(),
    });
    let app = attach(
        attach(
            container("app", RunState::Running, Health::Healthy),
            "stack-local_frontend",
            "172.20.0.3",
        ),
        "stack-local_backend",
        "172.21.0.4",
    );
    let redis = attach(
        container("redis", RunState::Running, Health::Healthy),
        "stack-local_backend",
        "172.21.0.2",
    );
    let postgres = attach(
        container("postgres", RunState::Running, Health::Healthy),
        "stack-local_backend",
        "172.21.0.3",
    );
    // The app answers its readiness probe: Redis and Postgres are up.
    state.readiness.insert(
        app.id.clone(),
        ReplicaReadiness {
            readiness: Readiness::Ready,
            since: now() - chrono::Duration::seconds(3700),
        },
    );
    for c in [nginx, app, redis, postgres] {
        state.containers.insert(c.id.clone(), c);
    }
    state.networks = vec![
        NetworkSnapshot {
            name: "stack-local_backend".into(),
            compose_name: "backend".into(),
            internal: true,
            driver: "bridge".into(),
        },
        NetworkSnapshot {
            name: "stack-local_frontend".into(),
            compose_name: "frontend".into(),
            internal: false,
            driver: "bridge".into(),
        },
    ];
    state
}

pub fn with_health(mut state: State, service: &str, run: RunState, health: Health) -> State {
    if let Some(c) = state.containers.values_mut().find(|c| c.service == service) {
        let fresh = container(service, run, health);
        c.state = fresh.state;
        c.health = fresh.health;
        c.exit_code = fresh.exit_code;
        c.probes = fresh.probes;
    }
    state
}

/// An audit report as the dashboard receives it: files and containers, one weak service, one
/// suppression.
pub fn audit_report(profile: &str) -> stack_core::audit::Report {
    use stack_core::audit::subject::{Context, Healthcheck, Limits, Subject};
    use stack_core::audit::{Inputs, Report, suppress};
    let hardened = Subject {
        service: "nginx".into(),
        image: Some("nginx:1.27".into()),
        built_here: true,
        user: Some("101:101".into()),
        read_only: true,
        cap_drop: vec!["ALL".into()],
        security_opt: vec!["no-new-privileges:true".into()],
        healthcheck: Healthcheck::Present,
        limits: Limits {
            memory_bytes: Some(64 << 20),
            cpus: Some(0.5),
            pids: Some(64),
        },
        restart: Some("always".into()),
        logging: stack_core::audit::subject::Logging {
            driver: Some("local".into()),
            max_size: None,
        },
        ..Subject::default()
    };
    let weak = Subject {
        service: "redis".into(),
        user: Some("0".into()),
        read_only: false,
        cap_add: vec!["NET_RAW".into()],
        ..hardened.clone()
    };
    let running = Subject {
        container: Some(format!("stack-{profile}-redis-1")),
        ..weak.clone()
    };
    let suppressions = suppress::parse(
        "[[ignore]]\nrule = \"rootfs-writable\"\nservice = \"redis\"\nreason = \"scratch data\"\n",
    )
    .expect("valid suppressions");
    Report::build(
        profile,
        &format!("stack-{profile}"),
        Inputs {
            files: Some((vec![hardened, weak], Context::default())),
            containers: Some((vec![running], Context::default())),
            suppressions,
            today: chrono::NaiveDate::from_ymd_opt(2024, 5, 1),
        },
    )
}
