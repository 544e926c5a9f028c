//! Every panel in its meaningful states, at 80×24 and 160×48, plus colour asserts and tiny sizes.

use crate::common::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use stack_core::app::{Action, Connection, DaemonContext, Panel, State, update};
use stack_core::logs::{LogLine, Stream};
use stack_core::model::ComposeModel;
use stack_core::model::container::{Attachment, Health, RunState};
use stack_core::model::readiness::Readiness;
use stack_core::protocol::docker::DockerUpdate;
use std::time::Duration;

pub(crate) fn render(state: &State, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| stack_tui::ui::draw(frame, state))
        .expect("draw");
    terminal.backend().buffer().clone()
}

pub(crate) fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn key_action(c: char) -> Action {
    Action::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

fn on(mut state: State, panel: Panel) -> State {
    state.panel = panel;
    state
}

fn with_logs(mut state: State) -> State {
    let lines = [
        (
            "nginx",
            r#"{"level":"info","method":"GET","path":"/api/items","status":200}"#,
        ),
        (
            "app",
            "2024-05-01T11:59:59.000000000Z INFO served GET /api/items in 3ms",
        ),
        (
            "redis",
            "1:M 01 May 11:59:59.000 * Ready to accept connections",
        ),
        (
            "app",
            "2024-05-01T12:00:00.000000000Z ERROR postgres unavailable",
        ),
    ];
    let batch = lines
        .iter()
        .map(|(service, text)| {
            LogLine::from_engine(
                (*service).into(),
                format!("stack-local-{service}-1").into(),
                text,
                Stream::Stdout,
            )
        })
        .collect();
    update(&mut state, Action::Docker(DockerUpdate::Logs(batch)));
    // The newest lines wait in the reorder window until they have sat through a whole period:
    // two flushes, as the runtime sends them while lines are held.
    update(&mut state, Action::FlushLogs);
    update(&mut state, Action::FlushLogs);
    state
}

/// The help names the config file, which follows the environment (`STACK_TUI_CONFIG`, XDG,
/// `HOME`); the snapshots show a placeholder of the same width instead.
fn without_config_path(screen: String) -> String {
    let path = stack_tui::paths::config_file().display().to_string();
    let placeholder = format!("{:<width$}", "[config file]", width = path.chars().count());
    screen.replace(&path, &placeholder)
}

fn pressed(mut state: State, keys: &str) -> State {
    for c in keys.chars() {
        update(&mut state, key_action(c));
    }
    state
}

/// The bundled stack as `docker compose config` describes it, except that redis also joined the
/// public frontend network; its container is attached there too.
fn redis_on_frontend() -> State {
    let mut state = on(healthy_state(), Panel::Topology);
    let model = ComposeModel::from_json(
        r#"{
          "services": {
            "nginx": {"image": "nginx:1.27", "networks": {"frontend": null},
                      "ports": [{"host_ip": "127.0.0.1", "published": "8080", "target": 8080}]},
            "app": {"build": {"context": "."}, "networks": {"frontend": null, "backend": null},
                    "depends_on": {"postgres": {}, "redis": {}}},
            "redis": {"image": "redis:7", "networks": {"frontend": null, "backend": null}},
            "postgres": {"image": "postgres:16", "networks": {"backend": null}}
          },
          "networks": {"frontend": {"name": "stack-local_frontend"},
                       "backend": {"name": "stack-local_backend", "internal": true}}
        }"#,
    )
    .expect("valid compose model");
    update(
        &mut state,
        Action::Model {
            profile: "local".into(),
            result: Ok(model),
        },
    );
    let redis = state
        .containers
        .values_mut()
        .find(|c| c.service == "redis")
        .expect("healthy_state has redis");
    redis.networks.push(Attachment {
        network: "stack-local_frontend".into(),
        address: "172.20.0.4".into(),
    });
    state
}

/// Two app replicas, both healthy by Docker (liveness); the second cannot reach Postgres, so it
/// answers its readiness probe 503.
fn app_not_ready() -> State {
    let mut state = healthy_state();
    let mut second = container("app", RunState::Running, Health::Healthy);
    second.id = "app0000000000000000002".into();
    second.name = "stack-local-app-2".into();
    state.containers.insert(second.id.clone(), second.clone());
    let first = state
        .containers
        .values()
        .find(|c| c.name == "stack-local-app-1")
        .map(|c| c.id.clone())
        .expect("healthy_state has app-1");
    let answers = [
        (first, Readiness::Ready),
        (
            second.id,
            Readiness::NotReady {
                reason: r#"postgres unavailable: password authentication failed for user "app""#
                    .into(),
            },
        ),
    ];
    for (id, readiness) in answers {
        update(
            &mut state,
            Action::Docker(DockerUpdate::Readiness { id, readiness }),
        );
    }
    state
}

/// nginx restarting (after four restarts), app paused, redis dead.
fn restarting_paused_dead() -> State {
    let mut state = with_health(
        healthy_state(),
        "nginx",
        RunState::Restarting,
        Health::Starting,
    );
    state = with_health(state, "app", RunState::Paused, Health::Healthy);
    state = with_health(state, "redis", RunState::Dead, Health::Unhealthy);
    let nginx = state
        .containers
        .values_mut()
        .find(|c| c.service == "nginx")
        .expect("healthy_state has nginx");
    nginx.restart_count = 4;
    state
}

fn states() -> Vec<(&'static str, State)> {
    let mut lost = healthy_state();
    lost.connection = Connection::Lost {
        reason: "Socket not found: /var/run/docker.sock".into(),
        retry_in: Duration::from_secs(2),
    };
    let mut filtered_logs = on(with_logs(healthy_state()), Panel::Logs);
    filtered_logs.log_view.filter =
        Some(stack_core::logs::LogFilter::new("GET /api/[a-z]+").expect("valid regex"));
    let mut pretty_logs = on(with_logs(healthy_state()), Panel::Logs);
    pretty_logs.log_view.json = stack_core::logs::JsonStyle::Pretty;
    pretty_logs.log_view.timestamps = true;
    let mut unhealthy_health = on(
        with_health(
            healthy_state(),
            "redis",
            RunState::Running,
            Health::Unhealthy,
        ),
        Panel::Health,
    );
    unhealthy_health.selected = 3;
    let audited = |profile: &str| {
        let mut state = on(healthy_state(), Panel::Audit);
        state.profile = profile.to_string();
        update(
            &mut state,
            Action::Audited {
                profile: profile.to_string(),
                elapsed: Duration::from_millis(420),
                result: Ok(audit_report(profile)),
            },
        );
        state
    };
    let mut audit_clean = on(healthy_state(), Panel::Audit);
    update(
        &mut audit_clean,
        Action::Audited {
            profile: "local".into(),
            elapsed: Duration::from_millis(300),
            result: Ok(stack_core::audit::Report::build(
                "local",
                "stack-local",
                stack_core::audit::Inputs::default(),
            )),
        },
    );
    let mut audit_detail = audited("local");
    update(&mut audit_detail, key_action('j'));
    update(
        &mut audit_detail,
        Action::Run(stack_core::config::keymap::Command::Drill),
    );
    let mut readonly = healthy_state();
    readonly.readonly = true;
    // `x` on redis (row 3) against a remote daemon waits for a `y`.
    let mut remote = healthy_state();
    remote.daemon = DaemonContext {
        name: "build-box".into(),
        remote: true,
    };
    remote.selected = 3;
    let confirm = pressed(remote, "x");
    // `l` on app (row 0): its logs, full screen.
    let logs_fullscreen = pressed(with_logs(healthy_state()), "l");
    let mut reload_failed = on(healthy_state(), Panel::Activity);
    for action in crate::app_reload::failed_app_reload() {
        update(&mut reload_failed, action);
    }
    // Started and the build step begun, twelve seconds ago.
    let mut reload_running = healthy_state();
    for action in crate::app_reload::failed_app_reload().into_iter().take(2) {
        update(&mut reload_running, action);
    }
    update(
        &mut reload_running,
        Action::Tick {
            now: now() + chrono::Duration::seconds(12),
        },
    );
    let health_of = |selected: usize| {
        let mut state = on(restarting_paused_dead(), Panel::Health);
        state.selected = selected;
        state
    };
    vec![
        ("help_overlay", pressed(healthy_state(), "?")),
        // Scrolled past its end: stops at the last lines (config and log file, how to close).
        (
            "help_scrolled_to_the_end",
            pressed(healthy_state(), "?jjjjjjjjjjjjjjjjjjjjjjjjjjjjjj"),
        ),
        ("confirm_stop_remote", confirm),
        ("logs_fullscreen", logs_fullscreen),
        ("activity_reload_failed", reload_failed),
        ("header_reload_running", reload_running),
        ("topology_edges_violation", redis_on_frontend()),
        ("topology_list", pressed(redis_on_frontend(), "v")),
        (
            "topology_picture_local",
            crate::topology_picture::local_picture(),
        ),
        (
            "topology_picture_prod",
            crate::topology_picture::prod_picture(),
        ),
        (
            "topology_picture_busy",
            crate::topology_picture::busy_picture(),
        ),
        (
            "topology_picture_monitoring",
            crate::topology_picture::monitoring_picture(),
        ),
        (
            "topology_picture_redis_published",
            crate::topology_picture::redis_published(),
        ),
        ("services_restarting_paused_dead", restarting_paused_dead()),
        ("health_paused", health_of(0)),
        ("health_restarting", health_of(1)),
        ("health_dead", health_of(3)),
        ("services_readonly", readonly),
        ("audit_clean", audit_clean),
        ("audit_findings_prod", audited("prod")),
        ("audit_detail", audit_detail),
        ("services_all_healthy", healthy_state()),
        ("services_app_not_ready", app_not_ready()),
        ("health_app_not_ready", on(app_not_ready(), Panel::Health)),
        (
            "activity_app_not_ready",
            on(app_not_ready(), Panel::Activity),
        ),
        (
            "services_one_unhealthy",
            with_health(
                healthy_state(),
                "redis",
                RunState::Running,
                Health::Unhealthy,
            ),
        ),
        (
            "services_starting",
            with_health(healthy_state(), "app", RunState::Running, Health::Starting),
        ),
        (
            "services_exited",
            with_health(healthy_state(), "redis", RunState::Exited, Health::None),
        ),
        ("services_empty_profile", base_state()),
        ("services_daemon_unreachable", lost),
        ("health_unhealthy", unhealthy_health),
        ("logs_filtered", filtered_logs),
        ("logs_pretty_json", pretty_logs),
        ("topology", on(healthy_state(), Panel::Topology)),
        ("profiles", on(healthy_state(), Panel::Profiles)),
        ("activity_empty", on(healthy_state(), Panel::Activity)),
        ("drills", on(healthy_state(), Panel::Drills)),
        ("metrics_quiet", crate::metrics_panel::quiet()),
        ("metrics_busy", crate::metrics_panel::busy()),
        ("metrics_error_spike", crate::metrics_panel::error_spike()),
        ("metrics_oom_killed", crate::metrics_panel::oom_killed()),
        ("metrics_crash_loop", crate::metrics_panel::crash_loop()),
    ]
}

#[test]
fn panels_render_as_expected() {
    for (name, state) in states() {
        for (width, height) in [(80, 24), (160, 48)] {
            let screen = without_config_path(text(&render(&state, width, height)));
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
        }
    }
}

/// Where the picture does not fit, the list shows and says why.
#[test]
fn topology_falls_back_to_the_list_where_the_picture_does_not_fit() {
    let screen = text(&render(&crate::topology_picture::prod_picture(), 60, 24));
    assert!(
        screen.contains("list: too small for the picture"),
        "{screen}"
    );
    insta::assert_snapshot!("topology_too_small_60x24", screen);
}

/// Boxes take their health and readiness colours; what a violation names is red, the internal
/// network's band green.
#[test]
fn topology_boxes_are_coloured_by_health_and_violations_red() {
    let violation = render(&redis_on_frontend(), 80, 24);
    assert_eq!(colour_of(&violation, " redis "), Some(Color::Red));
    assert_eq!(colour_of(&violation, " nginx "), Some(Color::Green));
    assert_eq!(colour_of(&violation, "frontend · public"), Some(Color::Red));
    assert_eq!(
        colour_of(&violation, "backend · internal"),
        Some(Color::Green)
    );
    assert_eq!(
        colour_of(&violation, "✗ stack-local-redis-1"),
        Some(Color::Red)
    );
    let prod = render(&crate::topology_picture::prod_picture(), 80, 24);
    assert_eq!(colour_of(&prod, "not ready"), Some(Color::Red));
    assert_eq!(colour_of(&prod, "checking"), Some(Color::Yellow));
    assert_eq!(colour_of(&prod, " app 1 "), Some(Color::Green));
    let published = render(&crate::topology_picture::redis_published(), 80, 24);
    assert_eq!(colour_of(&published, ":6379"), Some(Color::Red));
    assert_eq!(colour_of(&published, "▲"), Some(Color::Red));
}

#[test]
fn tiny_areas_do_not_panic() {
    for (_, state) in states() {
        for (width, height) in [(0, 0), (1, 1), (2, 1), (10, 3), (80, 2)] {
            let _ = render(&state, width, height);
        }
    }
}

/// The first cell of the first occurrence of `needle`.
fn cell_of<'a>(buffer: &'a Buffer, needle: &str) -> Option<&'a ratatui::buffer::Cell> {
    let screen = text(buffer);
    for (y, line) in screen.lines().enumerate() {
        if let Some(column) = line.find(needle) {
            let x = line[..column].chars().count() as u16;
            return Some(&buffer[(x, y as u16)]);
        }
    }
    None
}

/// The foreground colour of the first cell in the row containing `needle`, at that text.
fn colour_of(buffer: &Buffer, needle: &str) -> Option<Color> {
    cell_of(buffer, needle).map(|cell| cell.fg)
}

#[test]
fn health_states_have_their_colours() {
    let cases = [
        (Health::Healthy, "healthy", Color::Green),
        (Health::Starting, "starting", Color::Yellow),
        (Health::Unhealthy, "unhealthy", Color::Red),
    ];
    for (health, label, colour) in cases {
        let mut state = base_state();
        let c = container("redis", RunState::Running, health);
        state.containers.insert(c.id.clone(), c);
        let buffer = render(&state, 120, 20);
        assert_eq!(colour_of(&buffer, label), Some(colour), "{label}");
    }
}

/// The colour of the services table's `column` in the row of `service`.
fn column_colour(buffer: &Buffer, column: &str, service: &str) -> Option<Color> {
    let screen = text(buffer);
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines.iter().find(|line| line.contains("SERVICE"))?;
    let x = header[..header.find(column)?].chars().count() as u16;
    let y = lines
        .iter()
        .position(|line| line.starts_with(&format!("│{service} ")))?;
    Some(buffer[(x, y as u16)].fg)
}

#[test]
fn an_app_that_is_healthy_but_not_ready_is_never_all_green() {
    let state = app_not_ready();
    let buffer = render(&state, 120, 20);
    assert_eq!(column_colour(&buffer, "HEALTH", "app"), Some(Color::Green));
    assert_eq!(column_colour(&buffer, "READY", "app"), Some(Color::Red));
    let note =
        r#"app not ready 1/2: postgres unavailable: password authentication failed for user "app""#;
    assert_eq!(
        colour_of(&buffer, note),
        Some(Color::Red),
        "the reason under the table"
    );
    let health = render(&on(state, Panel::Health), 120, 20);
    assert_eq!(colour_of(&health, "not ready since"), Some(Color::Red));
    assert_eq!(colour_of(&health, "ready since"), Some(Color::Green));
    let ready = render(&healthy_state(), 120, 20);
    assert_eq!(column_colour(&ready, "READY", "app"), Some(Color::Green));
    assert_eq!(
        column_colour(&ready, "READY", "redis"),
        Some(Color::DarkGray),
        "redis is not probed"
    );
}

#[test]
fn run_states_have_their_colours_in_services_and_health() {
    let cases = [
        (RunState::Running, "running", Color::Green),
        (RunState::Restarting, "restarting", Color::Yellow),
        (RunState::Paused, "paused", Color::Yellow),
        (RunState::Dead, "dead", Color::Red),
    ];
    for (run, label, colour) in cases {
        for panel in [Panel::Services, Panel::Health] {
            let mut state = on(base_state(), panel);
            let c = container("redis", run, Health::None);
            state.containers.insert(c.id.clone(), c);
            let buffer = render(&state, 120, 20);
            assert_eq!(
                colour_of(&buffer, label),
                Some(colour),
                "{label} on {panel:?}"
            );
        }
    }
}

#[test]
fn a_completed_one_shot_is_green_and_a_failed_one_red() {
    let cases = [(0, "completed", Color::Green), (1, "failed(1)", Color::Red)];
    for (code, label, colour) in cases {
        let mut state = healthy_state();
        let mut job = container("migrate", RunState::Exited, Health::None);
        job.one_shot = true;
        job.exit_code = Some(code);
        state.containers.insert(job.id.clone(), job);
        let buffer = render(&state, 120, 20);
        assert_eq!(colour_of(&buffer, label), Some(colour), "{label}");
        // Rows are in name order: app, migrate, …
        state.selected = 1;
        let health = render(&on(state, Panel::Health), 120, 20);
        let exit = format!("exit code {code}");
        let expected = if code == 0 { Color::Green } else { Color::Red };
        assert_eq!(colour_of(&health, &exit), Some(expected), "{exit}");
    }
}

#[test]
fn a_high_finding_is_red_in_the_header_and_reversed_on_prod() {
    for profile in ["prod", "local"] {
        let mut state = healthy_state();
        state.profile = profile.to_string();
        update(
            &mut state,
            Action::Audited {
                profile: profile.to_string(),
                elapsed: Duration::from_millis(1),
                result: Ok(audit_report(profile)),
            },
        );
        let buffer = render(&state, 160, 20);
        let cell = cell_of(&buffer, "audit: 2 high").expect("the header shows the audit");
        assert_eq!(cell.fg, Color::Red, "{profile}");
        assert_eq!(
            cell.modifier.contains(ratatui::style::Modifier::REVERSED),
            profile == "prod",
            "{profile}: only prod's header is reversed"
        );
    }
}

#[test]
fn the_header_names_the_docker_context_and_marks_a_remote_one() {
    let state = healthy_state();
    let buffer = render(&state, 80, 24);
    let header = text(&buffer).lines().next().unwrap_or_default().to_string();
    assert!(
        header.contains("│ default · API 1.41 │ 4 containers"),
        "{header}"
    );

    let mut state = healthy_state();
    state.daemon = stack_core::app::DaemonContext {
        name: "build-box".into(),
        remote: true,
    };
    let buffer = render(&state, 80, 24);
    assert_eq!(colour_of(&buffer, "build-box"), Some(Color::Yellow));

    // A long context name still leaves room for the container count at 80 columns.
    state.daemon.name = "rancher-desktop".into();
    let buffer = render(&state, 80, 24);
    let header = text(&buffer).lines().next().unwrap_or_default().to_string();
    assert!(
        header.contains("profile local │ rancher-desktop · API 1.41 │ 4 containers"),
        "{header}"
    );
}

#[test]
fn no_color_drops_colours_but_keeps_the_words() {
    let mut state = with_health(
        healthy_state(),
        "redis",
        RunState::Running,
        Health::Unhealthy,
    );
    state.theme = stack_core::config::theme::Theme::monochrome();
    let buffer = render(&state, 120, 20);
    assert!(text(&buffer).contains("unhealthy"));
    assert_eq!(colour_of(&buffer, "unhealthy"), Some(Color::Reset));
}

/// A click on a scrolled services list selects the row drawn under the pointer, also while the
/// "daemon unreachable" banner takes a row from the body.
#[test]
fn a_click_selects_the_row_drawn_under_the_pointer() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    use stack_core::app::services::service_rows;
    let (width, height) = (80, 14);
    for banner in [false, true] {
        let mut state = healthy_state();
        for n in 0..12 {
            let worker = container(&format!("worker{n:02}"), RunState::Running, Health::Healthy);
            update(&mut state, Action::Docker(DockerUpdate::Container(worker)));
        }
        if banner {
            update(
                &mut state,
                Action::Docker(DockerUpdate::Disconnected {
                    reason: "gone".into(),
                    retry_in: Duration::from_secs(1),
                }),
            );
        }
        update(&mut state, Action::Resize { width, height });
        update(&mut state, key_action('G'));
        let names: Vec<String> = service_rows(&state).into_iter().map(|r| r.name).collect();
        let screen = text(&render(&state, width, height));
        let drawn: Vec<(u16, String)> = screen
            .lines()
            .enumerate()
            .filter_map(|(y, line)| {
                let first = line
                    .trim_start_matches(['│', ' ', '▶', '>'])
                    .split(' ')
                    .next()?;
                names
                    .iter()
                    .any(|name| name == first)
                    .then(|| (y as u16, first.to_string()))
            })
            .collect();
        assert!(
            drawn.len() >= 5 && drawn.len() < names.len(),
            "the list is scrolled (banner: {banner}):\n{screen}"
        );
        for (row, name) in drawn.iter().rev() {
            update(
                &mut state,
                Action::Mouse(MouseEvent {
                    kind: MouseEventKind::Down(MouseButton::Left),
                    column: 10,
                    row: *row,
                    modifiers: KeyModifiers::NONE,
                }),
            );
            assert_eq!(
                &names[state.selected], name,
                "click at row {row} (banner: {banner}):\n{screen}"
            );
        }
    }
}

/// Seconds with 5xx answers are red in the request sparkline; before them the bars keep the
/// accent colour. A flag is red in the panel and marks the restart count in Services.
#[test]
fn error_spikes_and_flags_are_red_in_metrics() {
    let spike = render(&crate::metrics_panel::error_spike(), 80, 24);
    let row = (0..24u16)
        .find(|&y| {
            text(&spike)
                .lines()
                .nth(usize::from(y))
                .is_some_and(|l| l.contains("│nginx"))
        })
        .expect("the nginx row");
    let bar_colours: Vec<Option<Color>> = (12..42u16)
        .map(|x| &spike[(x, row)])
        .filter(|cell| cell.symbol() != " ")
        .map(|cell| cell.style().fg)
        .collect();
    assert_eq!(
        bar_colours.last(),
        Some(&Some(Color::Red)),
        "{bar_colours:?}"
    );
    assert!(
        bar_colours.first().is_some_and(|c| *c != Some(Color::Red)),
        "{bar_colours:?}"
    );
    let oom = render(&crate::metrics_panel::oom_killed(), 80, 24);
    assert_eq!(colour_of(&oom, "⚑ OOM-killed"), Some(Color::Red));
    let mut services = crate::metrics_panel::crash_loop();
    update(&mut services, key_action('1'));
    assert_eq!(
        colour_of(&render(&services, 80, 24), "3⚑"),
        Some(Color::Red)
    );
}
