//! Activity: Docker events, the dashboard's own actions and hot reloads, newest first, with
//! durations. A failed reload step shows the tool's message (compiler errors, `nginx -t`) on the
//! lines below its entry.

use super::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use stack_core::app::{ActivityEntry, ActivityKind, State};
use stack_core::config::theme::Theme;
use stack_core::model::container::Health;

/// Continuation lines start under the entry's text (after "HH:MM:SS kind   ").
const INDENT: &str = "                ";

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let lines: Vec<Line> = state
        .activity
        .iter()
        .rev()
        .flat_map(|entry| entry_lines(entry, theme))
        .skip(usize::from(state.scroll))
        .take(usize::from(area.height))
        .collect();
    let title = format!(
        " Activity ({}, {} dropped) ",
        state.activity.len(),
        state.activity.dropped()
    );
    let block = Block::default().borders(Borders::ALL).title(title);
    let body = if lines.is_empty() {
        vec![Line::from(Span::styled("nothing yet", style::muted(theme)))]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body).block(block), area);
}

fn entry_lines(entry: &ActivityEntry, theme: &Theme) -> Vec<Line<'static>> {
    let (kind, kind_style): (&str, Style) = match entry.kind {
        ActivityKind::Docker => ("docker", style::muted(theme)),
        ActivityKind::Action => ("action", style::accent(theme)),
        ActivityKind::Reload => ("reload", style::accent(theme)),
        ActivityKind::Health => ("health", style::health(theme, Health::Healthy)),
        ActivityKind::Error => ("error ", style::error(theme)),
    };
    let mut text = entry.text.lines();
    let mut first = vec![
        Span::styled(
            entry.time.format("%H:%M:%S ").to_string(),
            style::muted(theme),
        ),
        Span::styled(format!("{kind} "), kind_style),
        Span::raw(text.next().unwrap_or_default().to_string()),
    ];
    if let Some(duration) = entry.duration {
        first.push(Span::styled(
            format!("  ({:.2}s)", duration.as_secs_f64()),
            style::muted(theme),
        ));
    }
    let mut lines = vec![Line::from(first)];
    lines.extend(text.map(|more| {
        Line::from(vec![
            Span::raw(INDENT),
            Span::styled(more.trim_start().to_string(), kind_style),
        ])
    }));
    lines
}
