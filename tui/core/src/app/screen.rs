//! The one formula for where things are on screen: `ui` draws into these rectangles and the
//! mouse handling hit-tests against the same ones, so a click lands on the row that is drawn there.

use super::services::{readiness_notes, service_rows};
use super::{Connection, Panel, State};
use ratatui_core::layout::Rect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub tabs: Rect,
    pub banner: Option<Rect>,
    pub body: Rect,
    pub footer: Rect,
}

pub fn has_banner(state: &State) -> bool {
    matches!(state.connection, Connection::Lost { .. })
}

pub fn areas((width, height): (u16, u16), banner: bool) -> Areas {
    let row = |y: u16| Rect::new(0, y.min(height), width, u16::from(y < height));
    let header = row(0);
    let tabs = row(1);
    let banner_rect = banner.then(|| row(2));
    let top = if banner { 3 } else { 2 };
    let footer = if height > top {
        row(height - 1)
    } else {
        Rect::new(0, height, width, 0)
    };
    let body_height = height.saturating_sub(top + 1);
    Areas {
        header,
        tabs,
        banner: banner_rect,
        body: Rect::new(0, top.min(height), width, body_height),
        footer,
    }
}

/// The areas of the state's current screen (its size and whether the banner shows).
pub fn areas_of(state: &State) -> Areas {
    areas(state.viewport, has_banner(state))
}

/// Rows of a bordered table with a header line that fit in an area `height` rows high.
pub fn table_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(3)).max(1)
}

/// Lines kept under the services table for readiness notes (`notes` of them wanted) in a
/// panel `height` rows high: never more than leave the borders, the header and one row.
pub fn notes_height(height: u16, notes: usize) -> u16 {
    u16::try_from(notes)
        .unwrap_or(u16::MAX)
        .min(height.saturating_sub(4))
}

/// Rows of the services table on the state's screen (the readiness notes take the bottom).
pub fn visible_rows(state: &State) -> usize {
    let height = areas_of(state).body.height;
    let notes = readiness_notes(&service_rows(state)).len();
    table_rows(height - notes_height(height, notes))
}

/// Scrolls the services list only as far as needed to keep the selection on screen, so that a
/// click or a step within the visible rows leaves every row where it was drawn.
pub fn keep_selection_visible(state: &mut State) {
    let visible = visible_rows(state);
    let rows = service_rows(state).len();
    let lowest = state.selected.saturating_sub(visible - 1);
    state.services_offset = state
        .services_offset
        .clamp(lowest, state.selected.max(lowest))
        .min(rows.saturating_sub(visible));
}

/// Full-screen logs use everything above the footer.
pub fn fullscreen(area: Rect, footer: Rect) -> Rect {
    Rect::new(area.x, area.y, area.width, footer.y.saturating_sub(area.y))
}

/// Tab labels as drawn in `width` columns: ` 1 Services │ 2 Health │ ...`, without the padding
/// when that does not fit, and without the space after the number when even that does not (every
/// tab stays visible, its title whole, at 80 columns: `1Services│2Health│…│9Metrics│`).
pub fn tab_labels(width: u16) -> Vec<String> {
    let label = |padding: &str, gap: &str| -> Vec<String> {
        Panel::ALL
            .iter()
            .enumerate()
            .map(|(index, panel)| format!("{padding}{}{gap}{}{padding}", index + 1, panel.title()))
            .collect()
    };
    // Each label is followed by a one-column separator.
    let fits = |labels: &[String]| {
        labels.iter().map(|l| l.chars().count() + 1).sum::<usize>() <= usize::from(width)
    };
    let padded = label(" ", " ");
    if fits(&padded) {
        return padded;
    }
    let plain = label("", " ");
    if fits(&plain) { plain } else { label("", "") }
}

pub fn tab_at(tabs: Rect, column: u16) -> Option<Panel> {
    let mut x = tabs.x;
    for (label, panel) in tab_labels(tabs.width).iter().zip(Panel::ALL) {
        let width = label.chars().count() as u16;
        if column >= x && column < x + width {
            return Some(panel);
        }
        x += width + 1;
    }
    None
}
