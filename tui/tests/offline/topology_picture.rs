//! The topology picture's contents built from a dashboard state: which boxes, edges and zones the
//! bundled stack gives on each profile, how they are coloured, and what a violation marks. The
//! states here are also drawn by `ui_snapshots`.

use crate::common::*;
use stack_core::app::topology::graph::{self, Tier, Tone, ZoneKind};
use stack_core::app::{Action, Panel, ReplicaReadiness, State, update};
use stack_core::metrics::access::Access;
use stack_core::model::ComposeModel;
use stack_core::model::container::{Attachment, Health, NetworkSnapshot, PublishedPort, RunState};
use stack_core::model::readiness::Readiness;

/// The bundled stack's services as `docker compose config` gives them (the parts topology
/// reads): nginx publishing `ports`, the app, the migrate one-shot, Redis and Postgres.
fn bundled_model(ports: &[u16]) -> ComposeModel {
    let ports: Vec<String> = ports
        .iter()
        .map(|port| {
            format!(r#"{{"host_ip": "127.0.0.1", "published": "{port}", "target": {port}}}"#)
        })
        .collect();
    let json = r#"{
      "services": {
        "nginx": {"image": "nginx:1.27", "networks": {"frontend": null}, "ports": [PORTS]},
        "app": {"build": {"context": "."}, "networks": {"frontend": null, "backend": null},
                "depends_on": {"postgres": {}, "redis": {}, "migrate": {}},
                "labels": {"stack-tui.role": "app"}},
        "migrate": {"image": "stack-tui/app:local", "networks": {"backend": null},
                    "depends_on": {"postgres": {}},
                    "labels": {"stack-tui.one-shot": "true"}},
        "redis": {"image": "redis:7", "networks": {"backend": null}},
        "postgres": {"image": "postgres:16", "networks": {"backend": null}}
      },
      "networks": {"frontend": {"name": "stack-local_frontend"},
                   "backend": {"name": "stack-local_backend", "internal": true}}
    }"#
    .replace("PORTS", &ports.join(", "));
    ComposeModel::from_json(&json).expect("valid compose model")
}

fn with_model(mut state: State, model: ComposeModel) -> State {
    update(
        &mut state,
        Action::Model {
            profile: "local".into(),
            result: Ok(model),
        },
    );
    state
}

/// The local profile, all healthy and the app ready, on the Topology panel.
pub fn local_picture() -> State {
    let mut state = with_model(healthy_state(), bundled_model(&[8080]));
    state.panel = Panel::Topology;
    state
}

/// Prod-like: three app replicas (the second not ready, the third not probed yet), nginx on
/// two ports (TLS and the redirect), the migrate one-shot done.
pub fn prod_picture() -> State {
    let mut state = with_model(healthy_state(), bundled_model(&[8443, 8480]));
    state.panel = Panel::Topology;
    let nginx = state
        .containers
        .values_mut()
        .find(|c| c.service == "nginx")
        .expect("healthy_state has nginx");
    nginx.ports = [8443, 8480]
        .map(|port| PublishedPort {
            host_ip: "127.0.0.1".into(),
            host_port: port,
            container_port: port,
            protocol: "tcp".into(),
        })
        .to_vec();
    let first = state
        .containers
        .values()
        .find(|c| c.service == "app")
        .cloned()
        .expect("healthy_state has app");
    for replica in [2, 3] {
        let mut app = first.clone();
        app.id = format!("app{replica}000000000000000");
        app.name = format!("stack-local-app-{replica}");
        app.networks = vec![
            Attachment {
                network: "stack-local_frontend".into(),
                address: format!("172.20.0.{}", 10 + replica),
            },
            Attachment {
                network: "stack-local_backend".into(),
                address: format!("172.21.0.{}", 10 + replica),
            },
        ];
        if replica == 2 {
            state.readiness.insert(
                app.id.clone(),
                ReplicaReadiness {
                    readiness: Readiness::NotReady {
                        reason: "postgres unavailable: connection refused".into(),
                    },
                    since: now(),
                },
            );
        }
        state.containers.insert(app.id.clone(), app);
    }
    let mut migrate = container("migrate", RunState::Exited, Health::None);
    migrate.one_shot = true;
    migrate.exit_code = Some(0);
    state.containers.insert(migrate.id.clone(), migrate);
    state
}

/// Prod under load for the last ten seconds: 12 requests a second through nginx, app 1 and 3
/// serving, app 2 (not ready) answering 503 to a quarter of what reaches it.
pub fn busy_picture() -> State {
    let mut state = prod_picture();
    let now = now().timestamp();
    let answer = |status: u16| Access {
        status,
        seconds: 0.004,
        upstream: None,
        upstream_status: Some(status),
        upstream_seconds: Some(0.003),
    };
    // Per second: app 1 six requests, app 2 four (one 503), app 3 two.
    let per_second = [
        ("app0000000000000000", [200; 6].to_vec()),
        ("app2000000000000000", vec![200, 200, 200, 503]),
        ("app3000000000000000", vec![200, 200]),
    ];
    for second in now - 9..=now {
        for (replica, statuses) in &per_second {
            for status in statuses {
                state.metrics.record_access(
                    "nginx",
                    &answer(*status),
                    second,
                    Some((replica, "app")),
                );
            }
        }
    }
    state.metrics.advance(now);
    state
}

/// Local with the monitoring overlay (`up --with monitoring`): Prometheus publishing on
/// loopback and scraping nginx and the app over a third network, and the nginx exporter in
/// nginx's network namespace (so on no network of its own).
pub fn monitoring_picture() -> State {
    let model = ComposeModel::from_json(
        r#"{
      "services": {
        "nginx": {"image": "nginx:1.27", "networks": {"frontend": null, "monitoring": null},
                  "ports": [{"host_ip": "127.0.0.1", "published": "8080", "target": 8080}]},
        "app": {"build": {"context": "."},
                "networks": {"frontend": null, "backend": null, "monitoring": null},
                "depends_on": {"postgres": {}, "redis": {}},
                "labels": {"stack-tui.role": "app"}},
        "redis": {"image": "redis:7", "networks": {"backend": null}},
        "postgres": {"image": "postgres:16", "networks": {"backend": null}},
        "prometheus": {"image": "prom/prometheus:v3", "networks": {"monitoring": null},
                       "ports": [{"host_ip": "127.0.0.1", "published": "9190", "target": 9090}],
                       "labels": {"stack-tui.upstreams": "app,nginx"}},
        "nginx-exporter": {"image": "nginx/nginx-prometheus-exporter:1",
                           "network_mode": "service:nginx", "depends_on": {"nginx": {}}}
      },
      "networks": {"frontend": {"name": "stack-local_frontend"},
                   "backend": {"name": "stack-local_backend", "internal": true},
                   "monitoring": {"name": "stack-local_monitoring"}}
    }"#,
    )
    .expect("valid compose model");
    let mut state = with_model(healthy_state(), model);
    state.panel = Panel::Topology;
    let monitoring = |address: &str| Attachment {
        network: "stack-local_monitoring".into(),
        address: address.into(),
    };
    for (service, address) in [("nginx", "172.22.0.2"), ("app", "172.22.0.3")] {
        if let Some(c) = state.containers.values_mut().find(|c| c.service == service) {
            c.networks.push(monitoring(address));
        }
    }
    let mut prometheus = container("prometheus", RunState::Running, Health::Healthy);
    prometheus.networks.push(monitoring("172.22.0.4"));
    prometheus.ports.push(PublishedPort {
        host_ip: "127.0.0.1".into(),
        host_port: 9190,
        container_port: 9090,
        protocol: "tcp".into(),
    });
    let exporter = container("nginx-exporter", RunState::Running, Health::None);
    for c in [prometheus, exporter] {
        state.containers.insert(c.id.clone(), c);
    }
    state.networks.push(NetworkSnapshot {
        name: "stack-local_monitoring".into(),
        compose_name: "monitoring".into(),
        internal: false,
        driver: "bridge".into(),
    });
    state
}

/// Redis published on the host on all interfaces: a data store reachable from outside.
pub fn redis_published() -> State {
    let mut state = local_picture();
    let redis = state
        .containers
        .values_mut()
        .find(|c| c.service == "redis")
        .expect("healthy_state has redis");
    redis.ports.push(PublishedPort {
        host_ip: "0.0.0.0".into(),
        host_port: 6379,
        container_port: 6379,
        protocol: "tcp".into(),
    });
    state
}

fn titles(graph: &graph::Graph, tier: Tier) -> Vec<String> {
    graph
        .nodes
        .iter()
        .filter(|n| n.tier == tier)
        .map(|n| format!("{} {}", n.title, n.status))
        .collect()
}

fn index(graph: &graph::Graph, title: &str) -> usize {
    graph
        .nodes
        .iter()
        .position(|n| n.title == title)
        .unwrap_or_else(|| panic!("no box {title}"))
}

#[test]
fn local_is_one_port_nginx_one_app_and_the_two_stores() {
    let graph = graph::build(&local_picture());
    assert_eq!(titles(&graph, Tier::Host), ["host 127.0.0.1:8080"]);
    assert_eq!(titles(&graph, Tier::Entry), ["nginx healthy"]);
    assert_eq!(
        titles(&graph, Tier::Middle),
        ["app ready"],
        "migrate is left out"
    );
    assert_eq!(
        titles(&graph, Tier::Data),
        ["postgres healthy", "redis healthy"]
    );
    let edges: Vec<(String, String)> = graph
        .edges
        .iter()
        .map(|e| {
            (
                graph.nodes[e.from].title.clone(),
                graph.nodes[e.to].title.clone(),
            )
        })
        .collect();
    assert_eq!(
        edges,
        [
            ("host".into(), "nginx".into()),
            ("nginx".into(), "app".into()),
            ("app".into(), "postgres".into()),
            ("app".into(), "redis".into()),
        ]
    );
    let zones: Vec<String> = graph.zones.iter().map(|z| z.label()).collect();
    assert_eq!(zones, ["host", "frontend · public", "backend · internal"]);
    let app = &graph.nodes[index(&graph, "app")];
    assert_eq!(app.zones, [1, 2], "the app is on both networks");
    assert!(graph.nodes.iter().all(|n| !n.violation) && graph.violations.is_empty());
    assert!(
        graph.nodes.iter().all(|n| n.traffic.is_none()),
        "no figures"
    );
}

#[test]
fn prod_shows_every_replica_with_its_readiness_and_both_ports() {
    let graph = graph::build(&prod_picture());
    assert_eq!(
        titles(&graph, Tier::Host),
        ["host 127.0.0.1:8443", "host 127.0.0.1:8480"]
    );
    assert_eq!(
        titles(&graph, Tier::Middle),
        ["app 1 ready", "app 2 not ready", "app 3 checking"]
    );
    let tones: Vec<Tone> = graph
        .nodes
        .iter()
        .filter(|n| n.tier == Tier::Middle)
        .map(|n| n.tone)
        .collect();
    assert_eq!(tones, [Tone::Good, Tone::Bad, Tone::Pending]);
    let nginx = index(&graph, "nginx");
    let fan_out = graph.edges.iter().filter(|e| e.from == nginx).count();
    assert_eq!(fan_out, 3);
    let into_nginx = graph.edges.iter().filter(|e| e.to == nginx).count();
    assert_eq!(into_nginx, 2, "both host ports");
    assert_eq!(graph.edges.len(), 2 + 3 + 3 * 2);
}

#[test]
fn edges_carry_the_rates_the_metrics_have_and_nothing_where_they_have_none() {
    let graph = graph::build(&busy_picture());
    let rates = |title: &str| {
        graph.nodes[index(&graph, title)]
            .traffic
            .map(|r| (graph::rate_label(&r), graph::error_label(&r)))
    };
    assert_eq!(rates("nginx"), Some(("12/s".into(), Some("5xx 8%".into()))));
    assert_eq!(rates("app 1"), Some(("6.0/s".into(), None)));
    assert_eq!(
        rates("app 2"),
        Some(("4.0/s".into(), Some("5xx 25%".into())))
    );
    assert_eq!(rates("app 3"), Some(("2.0/s".into(), None)));
    assert_eq!(rates("redis"), None, "no figure for the stores");
    let quiet = graph::build(&prod_picture());
    assert!(
        quiet.nodes.iter().all(|n| n.traffic.is_none()),
        "no made-up numbers"
    );
}

#[test]
fn the_monitoring_overlay_adds_prometheus_beside_nginx_and_a_third_band() {
    let graph = graph::build(&monitoring_picture());
    assert_eq!(
        titles(&graph, Tier::Host),
        ["host 127.0.0.1:8080", "host 127.0.0.1:9190"]
    );
    assert_eq!(
        titles(&graph, Tier::Entry),
        ["nginx healthy", "prometheus healthy"]
    );
    assert_eq!(
        titles(&graph, Tier::Middle),
        ["app ready", "nginx-exporter running"]
    );
    let zones: Vec<String> = graph.zones.iter().map(|z| z.label()).collect();
    assert_eq!(
        zones,
        [
            "host",
            "frontend · public",
            "monitoring · public",
            "backend · internal"
        ]
    );
    let prometheus = index(&graph, "prometheus");
    let scraped: Vec<&str> = graph
        .edges
        .iter()
        .filter(|e| e.from == prometheus)
        .map(|e| graph.nodes[e.to].title.as_str())
        .collect();
    assert_eq!(scraped, ["nginx", "app"]);
    assert!(graph.violations.is_empty(), "{:?}", graph.violations);
}

#[test]
fn a_data_store_on_the_public_network_is_marked_with_that_network() {
    let mut state = local_picture();
    let redis = state
        .containers
        .values_mut()
        .find(|c| c.service == "redis")
        .expect("redis");
    redis.networks.push(Attachment {
        network: "stack-local_frontend".into(),
        address: "172.20.0.4".into(),
    });
    let graph = graph::build(&state);
    let marked: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| n.violation)
        .map(|n| n.title.as_str())
        .collect();
    assert_eq!(marked, ["redis"]);
    let zones: Vec<(ZoneKind, bool)> = graph.zones.iter().map(|z| (z.kind, z.violation)).collect();
    assert_eq!(
        zones,
        [
            (ZoneKind::Host, false),
            (ZoneKind::Public, true),
            (ZoneKind::Internal, false)
        ]
    );
    assert!(graph.edges.iter().all(|e| !e.violation));
}

#[test]
fn a_published_data_store_gets_a_red_host_port_and_edge() {
    let graph = graph::build(&redis_published());
    let port = graph
        .nodes
        .iter()
        .position(|n| n.status == "0.0.0.0:6379")
        .expect("redis' host port");
    assert!(graph.nodes[port].violation);
    let redis = index(&graph, "redis");
    assert!(graph.nodes[redis].violation);
    assert!(!graph.nodes[index(&graph, "nginx")].violation);
    let edge = graph
        .edges
        .iter()
        .find(|e| e.from == port)
        .expect("port → redis");
    assert_eq!(edge.to, redis);
    assert!(edge.violation);
    assert_eq!(
        graph.nodes[redis].tier,
        Tier::Data,
        "still drawn with the data"
    );
}

#[test]
fn without_containers_the_model_gives_absent_boxes() {
    let state = with_model(base_state(), bundled_model(&[8080]));
    let graph = graph::build(&state);
    assert_eq!(titles(&graph, Tier::Host), ["host 127.0.0.1:8080"]);
    assert!(
        graph
            .nodes
            .iter()
            .filter(|n| n.tier != Tier::Host)
            .all(|n| n.status == "absent" && n.tone == Tone::Idle)
    );
    assert_eq!(graph.edges.len(), 4);
}

#[test]
fn v_switches_between_the_picture_and_the_list() {
    let mut state = local_picture();
    let key = |c| {
        Action::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        ))
    };
    assert!(!state.topology_list);
    update(&mut state, key('v'));
    assert!(state.topology_list);
    update(&mut state, key('v'));
    assert!(!state.topology_list);
}

/// The rates slide with the clock: each tick redraws the picture (the list has no figures).
#[test]
fn a_tick_redraws_the_picture_but_not_the_list() {
    let mut state = busy_picture();
    for (list, redrawn) in [(false, true), (true, false)] {
        state.topology_list = list;
        state.dirty = false;
        update(
            &mut state,
            Action::Tick {
                now: now() + chrono::Duration::seconds(1),
            },
        );
        assert_eq!(state.dirty, redrawn, "list view: {list}");
    }
}
