//! Profiles: which are up, their ports, which one the dashboard shows.

use super::style;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use stack_core::app::State;
use stack_core::app::profiles::ProfileState;
use stack_core::model::container::Health;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let header = Row::new(
        ["", "PROFILE", "PROJECT", "STATE", "CONTAINERS", "PORTS"]
            .map(|h| Cell::from(Span::styled(h, style::accent(theme)))),
    );
    let rows: Vec<Row> = state
        .profiles
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let profile_state = entry.state();
            let state_style = style::health(
                theme,
                match profile_state {
                    ProfileState::Up => Health::Healthy,
                    ProfileState::Partly => Health::Starting,
                    ProfileState::Down => Health::Unhealthy,
                    ProfileState::Unknown => Health::None,
                },
            );
            let marker = if entry.name == state.profile {
                "▶"
            } else {
                " "
            };
            let row = Row::new(vec![
                Cell::from(marker),
                Cell::from(entry.name.clone()),
                Cell::from(entry.project.clone()),
                Cell::from(Span::styled(profile_state.label(), state_style)),
                Cell::from(if entry.counted {
                    format!("{}/{}", entry.running, entry.total)
                } else {
                    "-".into()
                }),
                Cell::from(if entry.ports.is_empty() {
                    "-".to_string()
                } else {
                    entry.ports.join(",")
                }),
            ]);
            if index == state.profile_selected {
                row.style(style::selected())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(10),
        Constraint::Length(18),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Min(10),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Profiles · enter switch · u up · D down ");
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
