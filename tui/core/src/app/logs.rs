//! What the Logs panel's commands do: the selected line and its movement, jumps to the next
//! match or problem, the level and time filters, the request view and copying.

use super::action::Effect;
use super::state::{Panel, RequestView, State};
use super::views::logs::layout::{self, row_count};
use super::views::logs::request::{open_trace, request_text, timings_rows};
use super::views::logs::{
    Indexed, line_text, matches, nearest_shown, newest_shown, selected, shown_down_from,
    shown_up_from,
};
use crate::config::keymap::Command;
use crate::logs::{Level, LogLine, TimeWindow, next_min_level, request_id};

/// Whether the keys go to the log viewer: the Logs panel, or logs full screen over any panel.
pub fn shown(state: &State) -> bool {
    state.panel == Panel::Logs || state.log_view.fullscreen
}

/// Up/down, page, top and bottom: scroll the request view when it is open, else move the
/// selected line. Moving up pauses; `Bottom` (or `Down` on the newest line) follows again.
pub fn movement(state: &mut State, command: Command) {
    let page = layout::columns(state, layout::area(state)).height.max(2) - 1;
    if state.log_view.request.is_some() {
        scroll_request(state, command, page);
        return;
    }
    let view = &state.log_view;
    let current = if view.follow {
        newest_shown(state).map(|(index, _)| index)
    } else {
        nearest_shown(state, view.cursor).map(|(index, _)| index)
    };
    let Some(current) = current else {
        return;
    };
    let target = match command {
        Command::Up => shown_up_from(state, current).nth(1),
        Command::PageUp => shown_up_from(state, current).take(page + 1).last(),
        Command::Down => shown_down_from(state, current).nth(1),
        Command::PageDown => shown_down_from(state, current).take(page + 1).last(),
        Command::Top => shown_down_from(state, 0).next(),
        _ => None,
    }
    .map(|(index, _)| index);
    match (command, target) {
        (Command::Bottom, _) => follow(state),
        // Pushing past the newest line follows again.
        (Command::Down, None) => follow(state),
        (_, Some(target)) => select(state, current, target),
        (_, None) => select(state, current, current),
    }
}

fn follow(state: &mut State) {
    state.log_view.follow = true;
}

/// Pauses with `target` selected and on screen (`from` was selected before).
fn select(state: &mut State, from: u64, target: u64) {
    let view = &mut state.log_view;
    if view.follow {
        view.follow = false;
        view.anchor = from;
    }
    view.cursor = target;
    keep_cursor_visible(state);
}

/// `f`: pausing keeps the newest line selected where it is; following again shows the newest.
pub fn toggle_follow(state: &mut State) {
    if state.log_view.follow {
        let newest = newest_shown(state).map_or(state.logs.pushed(), |(index, _)| index);
        let view = &mut state.log_view;
        view.follow = false;
        view.anchor = newest;
        view.cursor = newest;
    } else {
        follow(state);
    }
}

/// After lines change height (wrap, pretty JSON) or filters change which lines show, a paused
/// view moves so the selected line is still on screen.
pub fn relayout(state: &mut State) {
    if !state.log_view.follow {
        keep_cursor_visible(state);
    }
}

/// Moves the bottom of the view just enough that the cursor's line is on screen: down to it, or
/// up so that it is the top line.
fn keep_cursor_visible(state: &mut State) {
    let Some((cursor, _)) = nearest_shown(state, state.log_view.cursor) else {
        return;
    };
    let anchor = nearest_shown(state, state.log_view.anchor).map_or(cursor, |(index, _)| index);
    let columns = layout::columns(state, layout::area(state));
    let height = columns.height.max(1);
    let rows = |line: &LogLine| row_count(state, &columns, line);
    let fits_below = |bottom: u64| {
        let mut used = 0;
        for (index, line) in shown_up_from(state, bottom) {
            used += rows(line);
            if index == cursor {
                return used <= height || index == bottom;
            }
            if used >= height {
                return false;
            }
        }
        false
    };
    let new_anchor = if cursor >= anchor {
        cursor
    } else if fits_below(anchor) {
        anchor
    } else {
        let mut used = 0;
        let mut bottom = cursor;
        for (index, line) in shown_down_from(state, cursor) {
            used += rows(line);
            if used > height && index != cursor {
                break;
            }
            bottom = index;
        }
        bottom
    };
    state.log_view.cursor = cursor;
    state.log_view.anchor = new_anchor;
}

/// `n`/`N` (the regex filter's matches) and `e`/`E` (errors and warnings): the next or previous
/// shown line that qualifies. While following, the search starts at the newest line itself.
pub fn jump(state: &mut State, command: Command) {
    let forward = matches!(command, Command::NextMatch | Command::NextProblem);
    let problem = matches!(command, Command::NextProblem | Command::PrevProblem);
    if !problem && state.log_view.filter.is_none() {
        state.message = Some("no filter to search for: / sets one".into());
        return;
    }
    let qualifies = |line: &LogLine| {
        if problem {
            line.level.is_some_and(|level| level >= Level::Warn)
        } else {
            matches(state, line)
        }
    };
    let following = state.log_view.follow;
    let Some((current, _)) = selected(state) else {
        return;
    };
    let skip = usize::from(!following || forward);
    let found: Option<Indexed> = if forward {
        shown_down_from(state, current)
            .skip(skip)
            .find(|(_, line)| qualifies(line))
    } else {
        shown_up_from(state, current)
            .skip(skip)
            .find(|(_, line)| qualifies(line))
    };
    match found.map(|(index, _)| index) {
        Some(target) => select(state, current, target),
        None => {
            let direction = if forward { "later" } else { "earlier" };
            let what = if problem {
                "error or warning".to_string()
            } else {
                let pattern = state
                    .log_view
                    .filter
                    .as_ref()
                    .map(|f| f.pattern().to_string());
                format!("match for /{}/", pattern.unwrap_or_default())
            };
            state.message = Some(format!("no {direction} {what}"));
        }
    }
}

/// `L`: all → debug → info → warn → error → all.
pub fn cycle_level(state: &mut State) {
    let next = next_min_level(state.log_view.min_level);
    set_level(state, next);
}

fn set_level(state: &mut State, level: Option<Level>) {
    state.log_view.min_level = level;
    relayout(state);
    state.message = Some(match level {
        Some(level) => format!("showing {} and above", level.name()),
        None => "showing every level".into(),
    });
}

/// `:level warn` (trace, debug, info, warn, error; `all` or nothing for every level).
pub fn level_command(state: &mut State, words: &[&str]) {
    let level = match words {
        [] | ["all"] => None,
        [word] => match [
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
        ]
        .into_iter()
        .find(|level| word.eq_ignore_ascii_case(level.name()))
        {
            Some(level) => Some(level),
            None => {
                state.message = Some(format!(
                    "unknown level {word:?}: trace, debug, info, warn, error or all"
                ));
                return;
            }
        },
        _ => {
            state.message = Some("usage: :level trace|debug|info|warn|error|all".into());
            return;
        }
    };
    set_level(state, level);
}

/// `:since 5m`, `:since 1h30m`, `:since 2024-05-01T10:00:00Z`; `:since` or `:since off` shows
/// every time again.
pub fn since_command(state: &mut State, argument: &str) {
    let argument = argument.trim();
    if argument.is_empty() || argument == "off" {
        state.log_view.since = None;
        state.message = Some("showing every time".into());
        return;
    }
    match TimeWindow::parse(argument, state.now) {
        Ok(window) => {
            state.message = Some(format!(
                "showing lines since {} UTC",
                window.start().format("%Y-%m-%d %H:%M:%S")
            ));
            state.log_view.since = Some(window);
        }
        Err(message) => state.message = Some(message),
    }
}

/// `Enter`: the selected line's request, when it is an access line with a request id.
pub fn open_request(state: &mut State) {
    let id = selected(state).and_then(|(_, line)| request_id(line));
    match id {
        Some(id) => state.log_view.request = Some(RequestView { id, scroll: 0 }),
        None => {
            state.message = Some(
                "no request id on this line: Enter opens the request of an access line \
                 (nginx's or the app's JSON line with request_id)"
                    .into(),
            )
        }
    }
}

fn scroll_request(state: &mut State, command: Command, page: usize) {
    let columns = layout::columns(state, layout::area(state));
    let inner = columns.indent() + columns.text;
    let total: usize = open_trace(state).map_or(0, |trace| {
        timings_rows(&trace.timings, inner).len()
            + trace
                .lines
                .iter()
                .map(|line| row_count(state, &columns, line))
                .sum::<usize>()
    });
    let last = total.saturating_sub(columns.height);
    let Some(request) = state.log_view.request.as_mut() else {
        return;
    };
    request.scroll = match command {
        Command::Up => request.scroll.saturating_sub(1),
        Command::Down => request.scroll + 1,
        Command::PageUp => request.scroll.saturating_sub(page),
        Command::PageDown => request.scroll + page,
        Command::Top => 0,
        _ => last,
    }
    .min(last);
}

/// `c`: the request view when open, else the selected line, to the clipboard (the runtime writes
/// it to the terminal as OSC 52, which the terminal, also through ssh and tmux, hands on).
pub fn copy(state: &mut State, effects: &mut Vec<Effect>) {
    let (lines, what) = match request_text(state) {
        Some(lines) => {
            let what = format!("request ({} lines)", lines.len().saturating_sub(1));
            (lines, what)
        }
        None => match selected(state) {
            Some((_, line)) => (vec![line_text(line)], "the selected line".to_string()),
            None => {
                state.message = Some("no line to copy".into());
                return;
            }
        },
    };
    state.message = Some(format!("copied {what} to the clipboard"));
    effects.push(Effect::Copy {
        text: lines.join("\n"),
    });
}

#[cfg(test)]
mod tests;
