//! The topology as a list: networks (internal or public), members with addresses, published
//! ports, edges, and isolation violations.

use crate::ui::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use stack_core::app::{State, topology};

/// `why` says in the title why the list shows (chosen, or the picture did not fit).
pub fn draw(frame: &mut Frame, area: Rect, state: &State, why: &str) {
    let theme = &state.theme;
    let view = topology::build(state);
    let mut lines: Vec<Line> = Vec::new();
    if !view.violations.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("⚠ {} isolation issue(s)", view.violations.len()),
            style::error(theme),
        )));
        for violation in &view.violations {
            lines.push(Line::from(Span::styled(
                format!("  ✗ {}", violation.message),
                style::error(theme),
            )));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled("Networks", style::accent(theme))));
    if view.networks.is_empty() {
        lines.push(Line::from(Span::styled(
            "  none (project not up?)",
            style::muted(theme),
        )));
    }
    for network in &view.networks {
        let kind = if network.internal {
            "internal"
        } else {
            "public"
        };
        let kind_style = if network.internal {
            style::health(theme, stack_core::model::container::Health::Healthy)
        } else {
            style::health(theme, stack_core::model::container::Health::Starting)
        };
        lines.push(Line::from(vec![
            Span::raw(format!("  {} ", network.name)),
            Span::styled(format!("[{kind}]"), kind_style),
        ]));
        for (container, address) in &network.members {
            let address = if address.is_empty() { "-" } else { address };
            lines.push(Line::from(format!("    {container:<28} {address}")));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Published ports",
        style::accent(theme),
    )));
    if view.ports.is_empty() {
        lines.push(Line::from(Span::styled("  none", style::muted(theme))));
    }
    for port in &view.ports {
        lines.push(Line::from(format!("  {port}")));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Service edges",
        style::accent(theme),
    )));
    if view.edges.is_empty() {
        lines.push(Line::from(Span::styled(
            "  unknown until the compose model loads",
            style::muted(theme),
        )));
    }
    for (from, to) in &view.edges {
        lines.push(Line::from(vec![
            Span::styled(format!("  {from}"), style::service(theme, from)),
            Span::raw(" → "),
            Span::styled(to.clone(), style::service(theme, to)),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Topology · {} · {why} ", state.project));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((state.scroll, 0)),
        area,
    );
}
