//! The log lines the view shows, selected from the state: what the panel draws and what `y`
//! copies are the same lines.

use crate::app::State;
use crate::logs::LogLine;

/// The lines the view would show (newest last), as plain text, following the current filters.
/// Bounded by the store's size.
pub fn visible_text(state: &State) -> Vec<String> {
    let mut lines: Vec<String> = selected_lines(state, usize::MAX)
        .into_iter()
        .map(|line| {
            let mut text = String::new();
            if let Some(stamp) = &line.timestamp {
                text.push_str(stamp);
                text.push(' ');
            }
            text.push_str(&format!("{} | {}", line.container, line.text));
            text
        })
        .collect();
    lines.reverse();
    lines
}

/// Matching lines from the bottom of the view upwards, at most `limit`.
pub fn selected_lines(state: &State, limit: usize) -> Vec<&LogLine> {
    let view = &state.log_view;
    let newest = state.logs.pushed();
    let skip_newest = if view.follow {
        0
    } else {
        newest.saturating_sub(view.anchor) as usize
    };
    state
        .logs
        .iter()
        .rev()
        .skip(skip_newest)
        .filter(|line| view.service.as_deref().is_none_or(|s| &*line.service == s))
        .filter(|line| view.filter.as_ref().is_none_or(|f| f.is_match(&line.text)))
        .take(limit)
        .collect()
}
