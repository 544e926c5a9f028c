//! The topology picture, drawn where `stack_core::app::topology::layout` placed its parts.
//! Without colour (`NO_COLOR`) a violation still shows: its box and band are drawn double.

use crate::ui::style;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use stack_core::app::State;
use stack_core::app::topology::graph::{self, Graph, Tone, ZoneKind};
use stack_core::app::topology::layout::{self, Layout};
use stack_core::config::theme::Theme;
use stack_core::model::container::Health;

/// Draws the picture; `false` (nothing drawn) when it does not fit in `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &State) -> bool {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Topology · {} ", state.project));
    let inner = block.inner(area);
    let graph = graph::build(state);
    let unknown_edges = state.model.is_none();
    let reserved = u16::from(!graph.violations.is_empty() || unknown_edges);
    let Some(layout) = layout::place(&graph, inner, reserved) else {
        return false;
    };
    frame.render_widget(block, area);
    let theme = &state.theme;
    bands(frame, &graph, &layout, theme);
    let buffer = frame.buffer_mut();
    for stroke in &layout.strokes {
        let style = if stroke.alarm {
            style::error(theme)
        } else {
            Style::new()
        };
        if let Some(cell) = buffer.cell_mut((stroke.x, stroke.y)) {
            cell.set_char(stroke.symbol).set_style(style);
        }
    }
    for label in &layout.labels {
        let style = if label.error {
            style::error(theme)
        } else {
            style::accent(theme)
        };
        buffer.set_string(label.x, label.y, &label.text, style);
    }
    for (node, rect) in graph.nodes.iter().zip(&layout.boxes) {
        let frame_style = if node.violation {
            style::error(theme)
        } else {
            tone(theme, node.tone)
        };
        // A host port has no health of its own: when it is the problem, its text is red too.
        let text_style = match node.tone {
            Tone::Plain => frame_style,
            other => tone(theme, other),
        };
        let status = match (&node.short_status, layout.short) {
            (Some(short), true) => short,
            _ => &node.status,
        };
        let block = Block::bordered()
            .border_type(if node.violation {
                BorderType::Double
            } else {
                BorderType::Plain
            })
            .border_style(frame_style)
            .title(Span::styled(format!(" {} ", node.title), frame_style));
        frame.render_widget(
            Paragraph::new(Span::styled(status.as_str(), text_style))
                .alignment(Alignment::Center)
                .block(block),
            *rect,
        );
    }
    notes(frame, &graph, &layout, theme, unknown_edges);
    true
}

/// Each zone as a labelled rule over its members: `├─ backend · internal ─────┤`.
fn bands(frame: &mut Frame, graph: &Graph, layout: &Layout, theme: &Theme) {
    for band in &layout.bands {
        let zone = &graph.zones[band.zone];
        let style = if zone.violation {
            style::error(theme)
        } else {
            match zone.kind {
                ZoneKind::Internal => style::health(theme, Health::Healthy),
                ZoneKind::Public => style::health(theme, Health::Starting),
                ZoneKind::Host => style::muted(theme),
            }
        };
        let (line, ends) = if zone.violation {
            ('═', ('╞', '╡'))
        } else {
            ('─', ('├', '┤'))
        };
        let width = usize::from(band.width);
        if width < 2 {
            continue;
        }
        let label: String = format!("{line} {} ", zone.label())
            .chars()
            .take(width - 2)
            .collect();
        let fill = width - 2 - label.chars().count();
        let text = format!(
            "{}{label}{}{}",
            ends.0,
            line.to_string().repeat(fill),
            ends.1
        );
        frame.buffer_mut().set_string(band.x, band.y, text, style);
    }
}

/// Under the picture: each violation in red, any edge the picture could not draw, and that
/// service edges are missing while the compose model has not loaded.
fn notes(frame: &mut Frame, graph: &Graph, layout: &Layout, theme: &Theme, unknown_edges: bool) {
    let mut lines: Vec<Line> = graph
        .violations
        .iter()
        .map(|v| {
            Line::from(Span::styled(
                format!("✗ {}", v.message),
                style::error(theme),
            ))
        })
        .collect();
    for &edge in &layout.undrawn {
        let edge = graph.edges[edge];
        let (from, to) = (&graph.nodes[edge.from], &graph.nodes[edge.to]);
        let name = |node: &graph::Node| match node.tier {
            graph::Tier::Host => node.status.clone(),
            _ => node.title.clone(),
        };
        lines.push(Line::from(Span::styled(
            format!("also {} → {} (not drawn)", name(from), name(to)),
            style::muted(theme),
        )));
    }
    if unknown_edges {
        lines.push(Line::from(Span::styled(
            "service edges appear once the compose model loads",
            style::muted(theme),
        )));
    }
    let rows = usize::from(layout.notes.height);
    if lines.len() > rows && rows > 0 {
        let hidden = lines.len() - (rows - 1);
        lines.truncate(rows - 1);
        lines.push(Line::from(Span::styled(
            format!("… {hidden} more in the list view"),
            style::muted(theme),
        )));
    }
    frame.render_widget(Paragraph::new(lines), layout.notes);
}

fn tone(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Good => style::health(theme, Health::Healthy),
        Tone::Pending => style::health(theme, Health::Starting),
        Tone::Bad => style::error(theme),
        Tone::Idle => style::muted(theme),
        Tone::Plain => Style::new(),
    }
}
