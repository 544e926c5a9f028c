//! One log line as rows on screen: time and source on the first row, the text cut into rows
//! (wrapped, or one per pretty-JSON line), its colours (level, the container's own ANSI colours,
//! regex matches) and the selection.

use super::super::style;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use stack_core::app::State;
use stack_core::app::views::logs::layout::{self, Columns};
use stack_core::logs::{LogLine, match_ranges};
use std::ops::Range;

/// How a line is drawn besides its text.
#[derive(Debug, Clone, Copy)]
pub struct Look<'a> {
    pub label: &'a str,
    pub selected: bool,
}

pub fn line_rows(
    state: &State,
    line: &LogLine,
    columns: &Columns,
    look: Look,
) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut prefix = Vec::new();
    if state.log_view.timestamps {
        prefix.push(Span::styled(
            format!(
                "{:<width$}",
                time(line, state.log_view.local_time),
                width = layout::TIME_WIDTH
            ),
            style::muted(theme),
        ));
    }
    let label: String = look.label.chars().take(columns.label).collect();
    prefix.push(Span::styled(
        format!("{label:<width$} ", width = columns.label),
        style::service(theme, &line.service),
    ));
    let body = layout::body(state, line);
    let matches = match_ranges(state.log_view.filter.as_ref(), &body.text);
    let base = style::level(theme, line.level);
    let ansi: Vec<(Range<usize>, Style)> = body
        .styles
        .iter()
        .map(|(range, ansi)| (range.clone(), style::container_output(theme, *ansi)))
        .collect();
    let rows = layout::rows(&body.text, columns.text, layout::wraps(state));
    rows.into_iter()
        .enumerate()
        .map(|(index, row)| {
            let mut spans = if index == 0 {
                prefix.clone()
            } else {
                vec![Span::raw(" ".repeat(columns.indent()))]
            };
            spans.extend(segments(state, &body.text, row, base, &ansi, &matches));
            if look.selected {
                select(&mut spans, columns);
            }
            Line::from(spans)
        })
        .collect()
}

/// `HH:MM:SS.mmm` of the engine's timestamp, in UTC or local time.
fn time(line: &LogLine, local: bool) -> String {
    if !local {
        return line.short_time().to_string();
    }
    line.timestamp
        .as_deref()
        .and_then(|stamp| chrono::DateTime::parse_from_rfc3339(stamp).ok())
        .map(|at| {
            at.with_timezone(&chrono::Local)
                .format("%H:%M:%S%.3f")
                .to_string()
        })
        .unwrap_or_default()
}

/// The spans of `text[row]`, cut wherever a style starts or ends.
fn segments(
    state: &State,
    text: &str,
    row: Range<usize>,
    base: Style,
    ansi: &[(Range<usize>, Style)],
    matches: &[Range<usize>],
) -> Vec<Span<'static>> {
    let mut cuts = vec![row.start, row.end];
    for range in ansi.iter().map(|(range, _)| range).chain(matches) {
        cuts.extend([range.start, range.end]);
    }
    cuts.retain(|cut| (row.start..=row.end).contains(cut));
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .filter_map(|pair| {
            let (start, end) = (pair[0], pair[1]);
            let part = text.get(start..end)?;
            let inside = |range: &Range<usize>| range.start <= start && end <= range.end;
            let mut style = base;
            if let Some((_, own)) = ansi.iter().find(|(range, _)| inside(range)) {
                style = style.patch(*own);
            }
            if matches.iter().any(inside) {
                style = style.patch(style::highlight(&state.theme));
            }
            Some(Span::styled(part.to_string(), style))
        })
        .collect()
}

/// The selected line's rows reversed across the whole width.
fn select(spans: &mut Vec<Span<'static>>, columns: &Columns) {
    let used: usize = spans.iter().map(Span::width).sum();
    let width = columns.indent() + columns.text;
    if used < width {
        spans.push(Span::raw(" ".repeat(width - used)));
    }
    for span in spans.iter_mut() {
        span.style = span.style.patch(style::selected());
    }
}
