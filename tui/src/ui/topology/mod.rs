//! Topology: a picture of the request path (host ports → entry → app replicas → data stores)
//! with a band per network, boxes coloured by health and readiness and isolation violations in
//! red; or, behind a key and wherever the picture does not fit, the list.

mod list;
mod picture;

use ratatui::Frame;
use ratatui::layout::Rect;
use stack_core::app::State;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    if state.topology_list {
        list::draw(frame, area, state, "list");
    } else if !picture::draw(frame, area, state) {
        list::draw(frame, area, state, "list: too small for the picture");
    }
}
