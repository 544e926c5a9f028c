//! The log lines the view shows, selected from the state: what the panel draws, what `c` copies
//! and what `:save` writes are the same lines.
//!
//! Lines are named by their absolute index (the count of lines pushed before them, see
//! `LogStore::pushed`), which stays the same while older lines fall off the buffer.

pub mod layout;
pub mod request;

use crate::app::State;
use crate::logs::{LogLine, ansi, level_passes};

/// A line of the buffer and its absolute index.
pub type Indexed<'a> = (u64, &'a LogLine);

/// Whether the view shows `line`: its service, level and time window, and the regex unless the
/// regex only marks matches (`matches_only` off).
pub fn shows(state: &State, line: &LogLine) -> bool {
    let view = &state.log_view;
    view.service.as_deref().is_none_or(|s| &*line.service == s)
        && level_passes(view.min_level, line.level)
        && view
            .since
            .as_ref()
            .is_none_or(|window| window.contains(line.timestamp.as_deref()))
        && (!view.matches_only || matches(state, line))
}

/// Whether the regex filter keeps `line` (every line when there is none); escape sequences do
/// not take part.
pub fn matches(state: &State, line: &LogLine) -> bool {
    state
        .log_view
        .filter
        .as_ref()
        .is_none_or(|filter| filter.is_match(&ansi::plain(&line.text)))
}

/// Shown lines at or before `index`, newest first.
pub fn shown_up_from(state: &State, index: u64) -> impl Iterator<Item = Indexed<'_>> {
    let newest = state.logs.pushed();
    let newer = newest.saturating_sub(index.saturating_add(1));
    state
        .logs
        .iter()
        .rev()
        .zip((0..newest).rev())
        .skip(usize::try_from(newer).unwrap_or(usize::MAX))
        .map(|(line, index)| (index, line))
        .filter(move |(_, line)| shows(state, line))
}

/// Shown lines at or after `index`, oldest first.
pub fn shown_down_from(state: &State, index: u64) -> impl Iterator<Item = Indexed<'_>> {
    let first = state.logs.pushed() - state.logs.len() as u64;
    let older = index.saturating_sub(first);
    (first..)
        .zip(state.logs.iter())
        .skip(usize::try_from(older).unwrap_or(usize::MAX))
        .filter(move |(_, line)| shows(state, line))
}

/// The newest line shown.
pub fn newest_shown(state: &State) -> Option<Indexed<'_>> {
    shown_up_from(state, u64::MAX).next()
}

/// The line at `index` if shown, else the nearest shown line before it, else after it (a line
/// that fell off the buffer or that a new filter hides leaves its neighbour selected).
pub fn nearest_shown(state: &State, index: u64) -> Option<Indexed<'_>> {
    shown_up_from(state, index)
        .next()
        .or_else(|| shown_down_from(state, index).next())
}

/// The selected line: the newest while following, else the cursor's.
pub fn selected(state: &State) -> Option<Indexed<'_>> {
    if state.log_view.follow {
        newest_shown(state)
    } else {
        nearest_shown(state, state.log_view.cursor)
    }
}

/// The line drawn at the bottom of the view: the newest while following, else the anchor's.
pub fn bottom(state: &State) -> Option<Indexed<'_>> {
    if state.log_view.follow {
        newest_shown(state)
    } else {
        nearest_shown(state, state.log_view.anchor)
    }
}

/// Shown lines from the bottom of the view upwards, at most `limit`.
pub fn selected_lines(state: &State, limit: usize) -> Vec<Indexed<'_>> {
    match bottom(state) {
        Some((index, _)) => shown_up_from(state, index).take(limit).collect(),
        None => Vec::new(),
    }
}

/// A line as it is copied and saved: engine timestamp, container, text without escapes.
pub fn line_text(line: &LogLine) -> String {
    let mut text = String::new();
    if let Some(stamp) = &line.timestamp {
        text.push_str(stamp);
        text.push(' ');
    }
    text.push_str(&line.container);
    text.push_str(" | ");
    text.push_str(&ansi::plain(&line.text));
    text
}

/// The lines the view would show up to its bottom (newest last), as plain text, following the
/// current filters. Bounded by the store's size.
pub fn visible_text(state: &State) -> Vec<String> {
    let mut lines: Vec<String> = selected_lines(state, usize::MAX)
        .into_iter()
        .map(|(_, line)| line_text(line))
        .collect();
    lines.reverse();
    lines
}
