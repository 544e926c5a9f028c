//! Rendering: a read-only projection of `State`, one file per panel.

pub mod activity;
pub mod audit;
mod chrome;
pub mod drills;
pub mod health;
pub mod help;
pub mod logs;
pub mod metrics;
pub mod profiles;
pub mod services;
pub mod style;
pub mod topology;

use ratatui::Frame;
use stack_core::app::screen;
use stack_core::app::{Mode, Panel, State};

pub fn draw(frame: &mut Frame, state: &State) {
    let area = frame.area();
    let areas = screen::areas((area.width, area.height), screen::has_banner(state));
    chrome::header(frame, areas.header, state);
    chrome::tabs(frame, areas.tabs, state);
    if let Some(banner) = areas.banner {
        chrome::banner(frame, banner, state);
    }
    if state.log_view.fullscreen {
        // Drawn over the header and tabs: clear them, or their text shows past short log lines.
        let logs_area = screen::fullscreen(area, areas.footer);
        frame.render_widget(ratatui::widgets::Clear, logs_area);
        logs::draw(frame, logs_area, state);
    } else {
        match state.panel {
            Panel::Services => services::draw(frame, areas.body, state),
            Panel::Health => health::draw(frame, areas.body, state),
            Panel::Logs => logs::draw(frame, areas.body, state),
            Panel::Topology => topology::draw(frame, areas.body, state),
            Panel::Profiles => profiles::draw(frame, areas.body, state),
            Panel::Activity => activity::draw(frame, areas.body, state),
            Panel::Audit => audit::draw(frame, areas.body, state),
            Panel::Drills => drills::draw(frame, areas.body, state),
            Panel::Metrics => metrics::draw(frame, areas.body, state),
        }
    }
    chrome::footer(frame, areas.footer, state);
    match &state.mode {
        Mode::Help => help::draw(frame, area, state),
        Mode::Confirm(confirm) => chrome::confirm(frame, area, &confirm.prompt, state),
        _ => {}
    }
}
