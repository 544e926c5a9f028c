//! Turning keys and mouse events into commands, including the text-entry modes.

use super::action::Effect;
use super::commands;
use super::screen;
use super::services::service_rows;
use super::state::{Mode, Panel, State};
use crate::config::keymap::{Command, Context};
use crate::logs::LogFilter;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

pub fn key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    if key.kind == KeyEventKind::Release {
        return;
    }
    state.dirty = true;
    match std::mem::replace(&mut state.mode, Mode::Normal) {
        Mode::Normal => {
            state.message = None;
            let context = if state.log_view.fullscreen {
                Panel::Logs.context()
            } else {
                state.panel.context()
            };
            if let Some(command) = state.keymap.lookup(context, &key) {
                commands::run(state, command, effects);
            }
        }
        Mode::Help => {
            // The movement keys scroll a help longer than the screen; any other key closes it
            // (and `q` does not quit from inside it).
            let step = match state.keymap.lookup(Context::Global, &key) {
                Some(Command::Down) => 1,
                Some(Command::Up) => -1,
                Some(Command::PageDown) => 10,
                Some(Command::PageUp) => -10,
                _ => 0,
            };
            if step != 0 {
                state.help_scroll = state.help_scroll.saturating_add_signed(step);
                state.mode = Mode::Help;
            } else {
                state.help_scroll = 0;
            }
        }
        Mode::Confirm(confirm) => {
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                state.message = Some(confirm.running);
                effects.extend(confirm.effects);
            } else {
                state.message = Some("cancelled".into());
            }
        }
        Mode::Filter(text) => {
            if let Some(text) = edit(text, &key, |text| state.mode = Mode::Filter(text)) {
                apply_filter(state, &text);
            }
        }
        Mode::Command(text) => {
            if let Some(text) = edit(text, &key, |text| state.mode = Mode::Command(text)) {
                commands::command_line(state, &text, effects);
            }
        }
    }
}

/// Line editing for filter and command input. Returns the text on Enter; Esc abandons it.
fn edit(mut text: String, key: &KeyEvent, mut keep: impl FnMut(String)) -> Option<String> {
    const MAX_INPUT: usize = 256;
    match key.code {
        KeyCode::Enter => return Some(text),
        KeyCode::Esc => return None,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
        KeyCode::Char(c)
            if text.len() < MAX_INPUT && !key.modifiers.contains(KeyModifiers::CONTROL) =>
        {
            text.push(c)
        }
        _ => {}
    }
    keep(text);
    None
}

pub fn apply_filter(state: &mut State, text: &str) {
    if state.panel == Panel::Logs || state.log_view.fullscreen {
        if text.is_empty() {
            state.log_view.filter = None;
            return;
        }
        match LogFilter::new(text) {
            Ok(filter) => state.log_view.filter = Some(filter),
            Err(error) => state.message = Some(error),
        }
    } else {
        state.service_filter = text.to_string();
        state.selected = 0;
    }
}

pub fn mouse(state: &mut State, mouse: MouseEvent, effects: &mut Vec<Effect>) {
    match mouse.kind {
        MouseEventKind::ScrollUp => commands::run(state, Command::Up, effects),
        MouseEventKind::ScrollDown => commands::run(state, Command::Down, effects),
        MouseEventKind::Down(MouseButton::Left) => click(state, mouse.column, mouse.row),
        _ => {}
    }
}

fn click(state: &mut State, column: u16, row: u16) {
    let areas = screen::areas_of(state);
    if row == areas.tabs.y {
        if let Some(panel) = screen::tab_at(areas.tabs, column) {
            state.panel = panel;
            state.log_view.fullscreen = false;
            state.scroll = 0;
            state.dirty = true;
        }
        return;
    }
    // Rows inside the body: one border line and one header line come first.
    let first_row = areas.body.y + 2;
    if row < first_row || row >= areas.body.y + areas.body.height {
        return;
    }
    let clicked = usize::from(row - first_row);
    match state.panel {
        // Below the visible rows are the readiness notes and the border, not rows.
        Panel::Services if clicked < screen::visible_rows(state) => {
            let index = state.services_offset + clicked;
            if index < service_rows(state).len() {
                state.selected = index;
                state.dirty = true;
            }
        }
        Panel::Profiles if clicked < state.profiles.len() => {
            state.profile_selected = clicked;
            state.dirty = true;
        }
        _ => {}
    }
}
