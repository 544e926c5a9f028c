//! Activity: Docker events and the dashboard's own actions, newest first, with durations.

use super::style;
use crate::app::{ActivityKind, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let lines: Vec<Line> = state
        .activity
        .iter()
        .rev()
        .skip(usize::from(state.scroll))
        .take(usize::from(area.height))
        .map(|entry| {
            let kind_style = match entry.kind {
                ActivityKind::Docker => style::muted(theme),
                ActivityKind::Action => style::accent(theme),
                ActivityKind::Error => style::error(theme),
            };
            let kind = match entry.kind {
                ActivityKind::Docker => "docker",
                ActivityKind::Action => "action",
                ActivityKind::Error => "error ",
            };
            let mut spans = vec![
                Span::styled(
                    entry.time.format("%H:%M:%S ").to_string(),
                    style::muted(theme),
                ),
                Span::styled(format!("{kind} "), kind_style),
                Span::raw(entry.text.clone()),
            ];
            if let Some(duration) = entry.duration {
                spans.push(Span::styled(
                    format!("  ({:.2}s)", duration.as_secs_f64()),
                    style::muted(theme),
                ));
            }
            Line::from(spans)
        })
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
