//! Screen areas, computed the same way for drawing and for mouse hit-testing.

use crate::app::{Connection, Panel, State};
use ratatui::layout::Rect;

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

/// Height of the panel body without a banner.
pub fn body_height(height: u16) -> u16 {
    height.saturating_sub(3)
}

/// Full-screen logs use everything above the footer.
pub fn fullscreen(area: Rect, footer: Rect) -> Rect {
    Rect::new(area.x, area.y, area.width, footer.y.saturating_sub(area.y))
}

/// Tab labels as drawn: ` 1 Services │ 2 Health │ ...`.
pub fn tab_labels() -> Vec<String> {
    Panel::ALL
        .iter()
        .enumerate()
        .map(|(index, panel)| format!(" {} {} ", index + 1, panel.title()))
        .collect()
}

pub fn tab_at(tabs: Rect, column: u16) -> Option<Panel> {
    let mut x = tabs.x;
    for (label, panel) in tab_labels().iter().zip(Panel::ALL) {
        let width = label.chars().count() as u16;
        if column >= x && column < x + width {
            return Some(panel);
        }
        x += width + 1;
    }
    None
}
