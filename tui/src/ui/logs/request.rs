//! The request view: one request id's lines from every service in time order, under a heading
//! with what nginx and the app measured.

use super::super::style;
use super::rows::{Look, line_rows};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use stack_core::app::State;
use stack_core::app::views::logs::layout::{columns, replica_counts, source_label};
use stack_core::app::views::logs::request::{open_trace, timings_rows};

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let Some(request) = &state.log_view.request else {
        return;
    };
    let trace = open_trace(state);
    let count = trace.as_ref().map_or(0, |trace| trace.lines.len());
    let plural = if count == 1 { "" } else { "s" };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Request {} · {count} line{plural} ", request.id))
        .title_bottom(Line::from(" esc back ").right_aligned());
    let columns = columns(state, area);
    let replicas = replica_counts(state);
    let inner = columns.indent() + columns.text;
    let mut rows: Vec<Line> = trace
        .iter()
        .flat_map(|trace| timings_rows(&trace.timings, inner))
        .map(|row| Line::from(Span::styled(row, style::accent(&state.theme))))
        .collect();
    for line in trace.iter().flat_map(|trace| trace.lines.iter()) {
        let label = source_label(line, &replicas);
        let look = Look {
            label: &label,
            selected: false,
        };
        rows.extend(line_rows(state, line, &columns, look));
    }
    if count == 0 {
        rows.push(Line::from(Span::styled(
            "no line with this request id in the buffer",
            style::muted(&state.theme),
        )));
    }
    let scroll = request.scroll.min(rows.len().saturating_sub(1));
    let shown: Vec<Line> = rows.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
