//! Multiplexed logs: colour per service, level colours, the containers' own colours, regex
//! matches, JSON pretty/compact, wrapping, the selected line, and the request view over it.

mod request;
mod rows;

use super::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use rows::{Look, line_rows};
use stack_core::app::State;
use stack_core::app::views::logs::layout::{columns, replica_counts, source_label};
use stack_core::app::views::logs::{selected, selected_lines};

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    if state.log_view.request.is_some() {
        request::draw(frame, area, state);
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(state))
        .title_bottom(
            Line::from(format!(
                " {} lines · {} dropped ",
                state.logs.len(),
                state.logs.dropped()
            ))
            .right_aligned(),
        );
    let columns = columns(state, area);
    let height = columns.height;
    let lines = selected_lines(state, height);
    // Following, the selected line is the newest shown: no second scan of the buffer.
    let cursor = if state.log_view.follow {
        lines.first().map(|(index, _)| *index)
    } else {
        selected(state).map(|(index, _)| index)
    };
    let replicas = replica_counts(state);
    let mut rows: Vec<Line> = Vec::new();
    for (index, line) in lines {
        let label = source_label(line, &replicas);
        let look = Look {
            label: &label,
            selected: Some(index) == cursor,
        };
        let mut rendered = line_rows(state, line, &columns, look);
        // Newest first while collecting; a line may take several rows.
        rendered.reverse();
        rows.extend(rendered);
        if rows.len() >= height {
            break;
        }
    }
    rows.truncate(height);
    rows.reverse();
    if rows.is_empty() {
        rows.push(Line::from(Span::styled(
            empty_text(state),
            style::muted(&state.theme),
        )));
    }
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

/// What is shown, most telling first: the source, the filters, the modes.
fn title(state: &State) -> String {
    let view = &state.log_view;
    let mut parts = vec![
        "Logs".to_string(),
        view.service
            .as_deref()
            .unwrap_or("all services")
            .to_string(),
    ];
    if let Some(filter) = &view.filter {
        let marked = if view.matches_only { "" } else { " marked" };
        parts.push(format!("/{}/{marked}", filter.pattern()));
    }
    if let Some(level) = view.min_level {
        parts.push(format!("≥{}", level.name()));
    }
    if let Some(window) = &view.since {
        parts.push(format!("since {} UTC", window.start().format("%H:%M:%S")));
    }
    if view.wrap {
        parts.push("wrap".into());
    }
    if view.timestamps && view.local_time {
        parts.push("local time".into());
    }
    parts.push(if view.follow { "following" } else { "paused" }.into());
    format!(" {} ", parts.join(" · "))
}

fn empty_text(state: &State) -> &'static str {
    let view = &state.log_view;
    if state.logs.is_empty() {
        "no log lines yet"
    } else if view.filter.is_some() || view.min_level.is_some() || view.since.is_some() {
        "no line passes the filters (esc clears them)"
    } else {
        "no log lines for this service"
    }
}
