//! The services table.

use super::style;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use stack_core::app::State;
use stack_core::app::screen::{notes_height, table_rows};
use stack_core::app::services::{
    ServiceRow, format_bytes, format_uptime, readiness_notes, service_rows,
};

/// READY is the app replicas' readiness (`/health/ready`) beside Docker's HEALTH (liveness).
const HEADER: [&str; 10] = [
    "SERVICE", "REPL", "STATE", "HEALTH", "READY", "UPTIME", "RST", "CPU%", "MEM", "PORTS",
];

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let rows = service_rows(state);
    let title = if state.service_filter.is_empty() {
        format!(" Services ({}) · sort: {} ", rows.len(), state.sort.label())
    } else {
        format!(
            " Services ({}) · filter: {} · sort: {} ",
            rows.len(),
            state.service_filter,
            state.sort.label()
        )
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    if rows.is_empty() {
        let text = if state.containers.is_empty() && state.model.is_none() {
            format!(
                "No containers for project {}. Bring it up with `stack-tui up --profile {}` or `u` on the Profiles panel.",
                state.project, state.profile
            )
        } else {
            "No service matches the filter.".to_string()
        };
        frame.render_widget(
            Paragraph::new(text)
                .block(block)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    // Services with a replica that is not ready say why on the block's last lines.
    let notes = readiness_notes(&rows);
    let notes_area = notes_height(area.height, notes.len());
    let visible = table_rows(area.height - notes_area);
    let offset = state.services_offset;
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(index, row)| {
            let table_row = service_row(state, row);
            if index == state.selected {
                table_row.style(style::selected())
            } else {
                table_row
            }
        })
        .collect();
    // The name column is as wide as the longest name (within reason); the rest goes to PORTS.
    let longest_name = rows.iter().map(|row| row.name.chars().count()).max();
    let name_width = u16::try_from(longest_name.unwrap_or(0).clamp(7, 32)).unwrap_or(32);
    let widths = [
        Constraint::Length(name_width + 1),
        Constraint::Length(4),
        Constraint::Length(11),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    let header = Row::new(HEADER.map(|h| Cell::from(Span::styled(h, style::accent(&state.theme)))));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [table_inner, notes_inner] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(notes_area)]).areas(inner);
    frame.render_widget(
        Table::new(body, widths).header(header).column_spacing(1),
        table_inner,
    );
    let lines: Vec<Line> = notes
        .into_iter()
        .map(|note| Line::from(Span::styled(note, style::error(&state.theme))))
        .collect();
    frame.render_widget(Paragraph::new(lines), notes_inner);
}

fn service_row<'a>(state: &State, row: &ServiceRow) -> Row<'a> {
    let theme = &state.theme;
    let uptime = row
        .started_at
        .filter(|_| row.running > 0)
        .map(|t| format_uptime(t, state.now))
        .unwrap_or_else(|| "-".into());
    Row::new(vec![
        Cell::from(Span::styled(
            row.name.clone(),
            style::service(theme, &row.name),
        )),
        Cell::from(format!("{}/{}", row.running, row.total)),
        Cell::from(Span::styled(
            row.state_label(),
            if row.completed() {
                style::completed(theme)
            } else {
                style::run_state(theme, row.state)
            },
        )),
        Cell::from(Line::from(Span::styled(
            row.health.as_str(),
            style::health(theme, row.health),
        ))),
        readiness_cell(state, row),
        Cell::from(uptime),
        restarts_cell(state, row),
        Cell::from(
            row.cpu_percent
                .map(|cpu| format!("{cpu:.1}"))
                .unwrap_or_else(|| "-".into()),
        ),
        Cell::from(
            row.memory_bytes
                .map(format_bytes)
                .unwrap_or_else(|| "-".into()),
        ),
        Cell::from(row.ports.join(",")),
    ])
}

/// The restart count, marked `⚑` in red while a health flag of the Metrics panel is up (OOM
/// kill, restart, crash loop, long unhealthy).
fn restarts_cell<'a>(state: &State, row: &ServiceRow) -> Cell<'a> {
    let flagged = row
        .container_ids
        .iter()
        .any(|id| state.metrics.flags.active(id).next().is_some());
    if flagged {
        Cell::from(Span::styled(
            format!("{}⚑", row.restarts),
            style::error(&state.theme),
        ))
    } else {
        Cell::from(row.restarts.to_string())
    }
}

/// `2/2` ready replicas of the running ones, `-` for a service that is not probed.
fn readiness_cell<'a>(state: &State, row: &ServiceRow) -> Cell<'a> {
    match &row.readiness {
        Some(summary) => Cell::from(Span::styled(
            summary.fraction(),
            style::readiness(&state.theme, summary.verdict()),
        )),
        None => Cell::from(Span::styled("-", style::muted(&state.theme))),
    }
}
