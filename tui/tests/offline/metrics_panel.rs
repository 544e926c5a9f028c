//! The Metrics panel fed as the dashboard feeds it: nginx's access lines, stats samples, an app
//! replica's scrapes and container updates, through `update`. The states here are also drawn by
//! `ui_snapshots` (quiet, busy, error spike, OOM-killed, crash loop).

use crate::common::*;
use stack_core::app::Effect;
use stack_core::app::{Action, ActivityKind, Panel, State, update};
use stack_core::config::keymap::Command;
use stack_core::logs::{LogLine, Stream};
use stack_core::metrics::{FlagKind, Window};
use stack_core::model::container::{Attachment, ContainerSnapshot, Health, RunState, StatsSample};
use stack_core::protocol::docker::{DockerUpdate, WorkerCommand};

/// The minute before `now()` (the panel's window ends at the state's clock).
const MINUTE: i64 = 60;

fn at(seconds_before_end: i64) -> chrono::DateTime<chrono::Utc> {
    now() + chrono::Duration::seconds(MINUTE - 1 - seconds_before_end)
}

/// An nginx access line as proxy-config writes it, with the engine's timestamp.
fn access_line(second: i64, status: u16, request_time: f64, upstream: &str) -> LogLine {
    let stamp = at(second).format("%Y-%m-%dT%H:%M:%S%.9fZ");
    let text = format!(
        r#"{stamp} {{"time":"{stamp}","remote_addr":"172.20.0.1","request_id":"r{second}","method":"GET","uri":"/api/items","protocol":"HTTP/1.1","status":{status},"bytes_sent":42,"request_time":{request_time:.3},"upstream_addr":"{upstream}","upstream_status":"{status}","upstream_response_time":"{request_time:.3}","host":"127.0.0.1","user_agent":"curl","referer":""}}"#
    );
    LogLine::from_engine(
        "nginx".into(),
        "stack-local-nginx-1".into(),
        &text,
        Stream::Stdout,
    )
}

fn stats(state: &mut State, service: &str, cpu: f64, memory: u64, limit: u64) {
    let ids: Vec<String> = state
        .containers
        .values()
        .filter(|c| c.service == service)
        .map(|c| c.id.clone())
        .collect();
    for id in ids {
        let sample = StatsSample {
            cpu_percent: cpu,
            memory_bytes: memory,
            memory_limit: limit,
        };
        update(state, Action::Docker(DockerUpdate::Stats { id, sample }));
    }
}

/// The local stack with a second app replica (as on dev), on the Metrics panel, its clock at
/// the first second of the minute `traffic` fills.
fn two_replicas() -> State {
    let mut state = healthy_state();
    let mut second = container("app", RunState::Running, Health::Healthy);
    second.id = "app20000000000000000".into();
    second.name = "stack-local-app-2".into();
    second.networks.push(Attachment {
        network: "stack-local_frontend".into(),
        address: "172.20.0.5".into(),
    });
    state.containers.insert(second.id.clone(), second);
    update(&mut state, Action::Run(Command::ShowMetrics));
    update(
        &mut state,
        Action::Tick {
            now: at(MINUTE - 1),
        },
    );
    state
}

/// A minute of `per_second` requests split over both replicas, with CPU and memory samples;
/// `failing(second)` says whether that second's requests fail with 502.
fn traffic(mut state: State, per_second: usize, failing: impl Fn(i64) -> bool) -> State {
    for second in (0..MINUTE).rev() {
        update(&mut state, Action::Tick { now: at(second) });
        let lines = (0..per_second)
            .map(|n| {
                let upstream = if n % 2 == 0 {
                    "172.20.0.3:3000"
                } else {
                    "172.20.0.5:3000"
                };
                let (status, time) = match (failing(second), n % 10) {
                    (true, _) => (502, 0.002),
                    (false, 0) => (404, 0.001),
                    (false, 9) => (200, 0.350),
                    _ => (200, 0.004 + 0.001 * (n % 5) as f64),
                };
                access_line(second, status, time, upstream)
            })
            .collect();
        update(&mut state, Action::Docker(DockerUpdate::Logs(lines)));
        let load = per_second as f64 / 10.0;
        stats(
            &mut state,
            "nginx",
            0.5 + load * (second % 3) as f64,
            12 << 20,
            64 << 20,
        );
        stats(&mut state, "app", 2.0 + load * 2.0, 40 << 20, 128 << 20);
        stats(&mut state, "redis", 0.3, 8 << 20, 64 << 20);
        stats(&mut state, "postgres", 0.8, 30 << 20, 256 << 20);
    }
    state
}

/// Up, no requests: only CPU and memory.
pub fn quiet() -> State {
    traffic(two_replicas(), 0, |_| false)
}

/// 20 requests a second, 10 % of them 404 and 10 % slow.
pub fn busy() -> State {
    traffic(two_replicas(), 20, |_| false)
}

/// As busy, then the last 8 seconds all 502 (Postgres stopped): the sparklines' ends in red.
pub fn error_spike() -> State {
    traffic(two_replicas(), 20, |second| second < 8)
}

/// The app's replica killed for its memory: exited 137 with OOMKilled, memory at its limit.
pub fn oom_killed() -> State {
    let mut state = busy();
    stats(&mut state, "app", 12.0, 127 << 20, 128 << 20);
    let killed = state
        .containers
        .values()
        .find(|c| c.name == "stack-local-app-1")
        .map(|c| ContainerSnapshot {
            oom_killed: true,
            ..c.exited(Some(137))
        })
        .expect("the app replica");
    update(&mut state, Action::Docker(DockerUpdate::Container(killed)));
    state
}

/// Redis restarted three times by its policy within five minutes, restarting now.
pub fn crash_loop() -> State {
    let mut state = quiet();
    let redis = |state: &State| {
        state
            .containers
            .values()
            .find(|c| c.service == "redis")
            .cloned()
            .expect("redis")
    };
    for restart in 1..=3 {
        let now = state.now + chrono::Duration::seconds(90);
        update(&mut state, Action::Tick { now });
        let restarted = ContainerSnapshot {
            restart_count: restart,
            state: if restart == 3 {
                RunState::Restarting
            } else {
                RunState::Running
            },
            health: Health::Starting,
            ..redis(&state)
        };
        update(
            &mut state,
            Action::Docker(DockerUpdate::Container(restarted)),
        );
    }
    state
}

fn activity(state: &State) -> Vec<(ActivityKind, String)> {
    state
        .activity
        .iter()
        .map(|e| (e.kind, e.text.clone()))
        .collect()
}

#[test]
fn access_lines_give_nginx_and_each_replica_their_rates() {
    let state = busy();
    let nginx = state.metrics.rates("nginx").expect("nginx's lines");
    assert!((nginx.requests - 20.0).abs() < 1e-9, "{nginx:?}");
    assert!((nginx.client_errors - 2.0).abs() < 1e-9);
    assert_eq!(nginx.server_errors, 0.0);
    let app = state.metrics.rates("app").expect("the app's replicas");
    assert!((app.requests - 20.0).abs() < 1e-9, "{app:?}");
    let replica = state
        .metrics
        .replica_rates("app20000000000000000")
        .expect("the second replica");
    assert!((replica.requests - 10.0).abs() < 1e-9, "{replica:?}");
    let minute = state
        .metrics
        .service_traffic("nginx", Window::OneMinute.seconds())
        .expect("a minute of traffic");
    assert_eq!(minute.requests, 1200);
    assert!(minute.p50.expect("p50") < 0.01);
    assert!(
        minute.p99.expect("p99") > 0.2,
        "the slow tenth shows in p99"
    );
    let spike = error_spike();
    let rates = spike.metrics.rates("nginx").expect("nginx");
    assert!(
        (rates.server_errors - 16.0).abs() < 1e-9,
        "8 of the last 10 s: {rates:?}"
    );
}

#[test]
fn the_worker_scrapes_replicas_only_while_metrics_or_topology_is_on_screen() {
    let mut state = healthy_state();
    let scrapes = |effects: &[Effect]| {
        effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Worker(WorkerCommand::AppMetrics(ids)) => Some(ids.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let effects = update(&mut state, Action::Run(Command::ShowLogs));
    assert!(scrapes(&effects).is_empty(), "nothing to stop: {effects:?}");
    let effects = update(&mut state, Action::Run(Command::ShowMetrics));
    assert_eq!(
        scrapes(&effects),
        vec![vec!["app0000000000000000".to_string()]]
    );
    let effects = update(&mut state, Action::Run(Command::ShowTopology));
    assert!(scrapes(&effects).is_empty(), "still wanted: {effects:?}");
    let effects = update(&mut state, Action::Run(Command::ShowServices));
    assert_eq!(scrapes(&effects), vec![Vec::<String>::new()]);
    // The Metrics panel streams every container's stats (Logs streams none).
    update(&mut state, Action::Run(Command::ShowLogs));
    let effects = update(&mut state, Action::Run(Command::ShowMetrics));
    let visible = effects.iter().find_map(|effect| match effect {
        Effect::Worker(WorkerCommand::Visible(ids)) => Some(ids.len()),
        _ => None,
    });
    assert_eq!(visible, Some(4));
}

#[test]
fn a_scrape_counts_what_edge_host_served_since_the_last_one() {
    let mut state = two_replicas();
    let text = |ok: u64, failed: u64| {
        format!(
            "# TYPE edge_host_http_requests counter\n\
             edge_host_http_requests_total{{route=\"/...\",status=\"200\"}} {ok}\n\
             edge_host_http_requests_total{{route=\"/...\",status=\"503\"}} {failed}\n# EOF\n"
        )
    };
    let id = "app0000000000000000".to_string();
    for (ok, failed) in [(10, 0), (30, 20)] {
        let result = Ok(text(ok, failed));
        update(
            &mut state,
            Action::Docker(DockerUpdate::AppMetrics {
                id: id.clone(),
                result,
            }),
        );
    }
    let rates = state.metrics.replica_rates(&id).expect("scraped");
    assert!((rates.requests - 4.0).abs() < 1e-9, "{rates:?}");
    assert!((rates.server_errors - 2.0).abs() < 1e-9);
    // A failed scrape changes nothing.
    let result = Err("exec failed".to_string());
    update(
        &mut state,
        Action::Docker(DockerUpdate::AppMetrics {
            id: id.clone(),
            result,
        }),
    );
    assert_eq!(state.metrics.replica_rates(&id), Some(rates));
}

#[test]
fn flags_raise_an_activity_entry_and_clear_it_on_recovery() {
    let mut state = oom_killed();
    let flags: Vec<FlagKind> = state
        .metrics
        .flags
        .active("app0000000000000000")
        .map(|(kind, _)| kind)
        .collect();
    assert_eq!(flags, vec![FlagKind::OomKilled]);
    // Started again by its policy, then healthy.
    let app = state
        .containers
        .get("app0000000000000000")
        .cloned()
        .expect("app");
    let later = state.now + chrono::Duration::seconds(3);
    update(&mut state, Action::Tick { now: later });
    let running = ContainerSnapshot {
        state: RunState::Running,
        health: Health::Healthy,
        started_at: Some(later),
        restart_count: 1,
        oom_killed: false,
        ..app
    };
    update(&mut state, Action::Docker(DockerUpdate::Container(running)));
    update(
        &mut state,
        Action::Tick {
            now: later + chrono::Duration::seconds(1),
        },
    );
    let entries = activity(&state);
    let name = "stack-local-app-1";
    for expected in [
        (
            ActivityKind::Error,
            format!("{name} OOM-killed: it reached its memory limit"),
        ),
        (
            ActivityKind::Error,
            format!("{name} restarted by its restart policy (1 restarts)"),
        ),
        (
            ActivityKind::Health,
            format!("{name} running again after its OOM kill"),
        ),
        (
            ActivityKind::Health,
            format!("{name} up again after its restart"),
        ),
    ] {
        assert_eq!(
            entries.iter().filter(|entry| **entry == expected).count(),
            1,
            "{expected:?} once in {entries:#?}"
        );
    }

    let looping = crash_loop();
    assert!(
        activity(&looping).contains(&(
            ActivityKind::Error,
            "stack-local-redis-1 crash loop: 3 restarts in 10 min".to_string()
        )),
        "{:#?}",
        activity(&looping)
    );
}

#[test]
fn w_cycles_the_window() {
    let mut state = busy();
    let windows: Vec<Window> = (0..3)
        .map(|_| {
            update(&mut state, Action::Run(Command::CycleWindow));
            state.metrics_window
        })
        .collect();
    assert_eq!(
        windows,
        vec![
            Window::FiveMinutes,
            Window::FifteenMinutes,
            Window::OneMinute
        ]
    );
    assert_eq!(state.panel, Panel::Metrics);
}
