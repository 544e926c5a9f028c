//! Health detail: the selected service's containers, each app replica's readiness, and their
//! last healthcheck runs.

use super::style;
use chrono::DateTime;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use stack_core::app::State;
use stack_core::app::services::{selected_containers, selected_row};
use stack_core::model::container::{ContainerSnapshot, Health};
use stack_core::model::readiness::{READY_PATH, Readiness, ReadinessVerdict};

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let Some(row) = selected_row(state) else {
        let block = Block::default().borders(Borders::ALL).title(" Health ");
        frame.render_widget(Paragraph::new("No service selected.").block(block), area);
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Health · {} ", row.name));
    let mut lines = Vec::new();
    let containers = selected_containers(state);
    if containers.is_empty() {
        lines.push(Line::from(format!(
            "{} has no containers in {}.",
            row.name, state.project
        )));
    }
    for container in containers {
        lines.extend(container_lines(state, container));
        lines.push(Line::from(""));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((state.scroll, 0)),
        area,
    );
}

fn container_lines(state: &State, container: &ContainerSnapshot) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut lines = vec![Line::from(vec![
        Span::styled(container.name.clone(), style::accent(theme)),
        Span::raw("  "),
        Span::styled(
            container.state.as_str(),
            if container.completed() {
                style::completed(theme)
            } else {
                style::run_state(theme, Some(container.state))
            },
        ),
        Span::raw("  "),
        Span::styled(
            container.health.as_str(),
            style::health(theme, container.health),
        ),
        Span::styled(
            format!(
                "  {}  restarts {}",
                container.short_id(),
                container.restart_count
            ),
            style::muted(theme),
        ),
    ])];
    if container.is_running_app() {
        lines.push(readiness_line(state, container));
    }
    if let Some(code) = container.exit_code {
        let (text, style) = if container.completed() {
            (
                format!("  exit code {code}: completed (a one-shot job)"),
                style::completed(theme),
            )
        } else {
            (format!("  exit code {code}"), style::error(theme))
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    if container.health == Health::None {
        lines.push(Line::from(Span::styled(
            "  no healthcheck configured",
            style::muted(theme),
        )));
        return lines;
    }
    if container.probes.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no probe has run yet",
            style::muted(theme),
        )));
    }
    // Newest first: the last run is what explains the current verdict.
    for probe in container.probes.iter().rev() {
        let verdict = if probe.exit_code == 0 {
            Health::Healthy
        } else {
            Health::Unhealthy
        };
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(
                format!("exit {:<3}", probe.exit_code),
                style::health(theme, verdict),
            ),
            Span::raw(format!(
                " {}  took {}",
                short_time(&probe.start),
                took(&probe.start, &probe.end)
            )),
        ]));
        let output = probe.output.trim();
        for text in output.lines().take(6) {
            lines.push(Line::from(Span::styled(
                format!("      {text}"),
                style::muted(theme),
            )));
        }
    }
    lines
}

/// An app replica's readiness (`/health/ready`), beside Docker's health (liveness, `/health`).
fn readiness_line(state: &State, container: &ContainerSnapshot) -> Line<'static> {
    let theme = &state.theme;
    let Some(probed) = state.readiness.get(&container.id) else {
        return Line::from(Span::styled(
            format!("  readiness ({READY_PATH}): not probed yet"),
            style::readiness(theme, ReadinessVerdict::Checking),
        ));
    };
    let since = probed.since.format("%H:%M:%S");
    let (text, verdict) = match &probed.readiness {
        Readiness::Ready => (
            format!("  ready since {since} ({READY_PATH})"),
            ReadinessVerdict::Ready,
        ),
        Readiness::NotReady { reason } => (
            format!("  not ready since {since}: {reason}"),
            ReadinessVerdict::NotReady,
        ),
    };
    Line::from(Span::styled(text, style::readiness(theme, verdict)))
}

fn short_time(stamp: &str) -> String {
    DateTime::parse_from_rfc3339(stamp)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|_| stamp.to_string())
}

fn took(start: &str, end: &str) -> String {
    match (
        DateTime::parse_from_rfc3339(start),
        DateTime::parse_from_rfc3339(end),
    ) {
        (Ok(start), Ok(end)) => format!("{}ms", (end - start).num_milliseconds().max(0)),
        _ => "?".into(),
    }
}
