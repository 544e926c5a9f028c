//! Where a log line goes on screen: the time and source columns, the text as shown (pretty JSON,
//! colours taken out of the text) and the rows it takes, wrapped or not. The panel draws with
//! these and the cursor keeps itself visible with the same numbers.

use crate::app::State;
use crate::app::screen;
use crate::logs::ansi::{self, Styled};
use crate::logs::{LogLine, render_json};
use ratatui_core::layout::Rect;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

/// The source column is as wide as its widest label, within these bounds.
const SOURCE_WIDTH: (usize, usize) = (5, 24);
/// `12:00:03.123 `
pub const TIME_WIDTH: usize = 13;

/// The columns of the log list inside its border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    /// Width of the time column with its gap (0 when timestamps are off).
    pub time: usize,
    /// Width of the source label, without its gap.
    pub label: usize,
    /// Width left for the text (at least 1).
    pub text: usize,
    /// Rows inside the border.
    pub height: usize,
}

impl Columns {
    /// Where the text starts: continuation rows are indented to it.
    pub fn indent(&self) -> usize {
        self.time + self.label + 1
    }
}

/// The rectangle the log list is drawn in, border included: the Logs panel's body, or everything
/// above the footer full screen.
pub fn area(state: &State) -> Rect {
    let areas = screen::areas_of(state);
    if state.log_view.fullscreen {
        let (width, height) = state.viewport;
        screen::fullscreen(Rect::new(0, 0, width, height), areas.footer)
    } else {
        areas.body
    }
}

/// The columns for an area `area` (border included).
pub fn columns(state: &State, area: Rect) -> Columns {
    let time = if state.log_view.timestamps {
        TIME_WIDTH
    } else {
        0
    };
    let label = label_width(state);
    let inner = usize::from(area.width.saturating_sub(2));
    Columns {
        time,
        label,
        text: inner.saturating_sub(time + label + 1).max(1),
        height: usize::from(area.height.saturating_sub(2)),
    }
}

/// Wide enough for every service of the project with its replica number, so the column doesn't
/// jump as lines scroll; longer labels are cut.
fn label_width(state: &State) -> usize {
    replica_counts(state)
        .iter()
        .map(|(service, count)| {
            let suffix = if *count > 1 {
                count.to_string().len() + 1
            } else {
                0
            };
            service.chars().count() + suffix
        })
        .max()
        .unwrap_or(0)
        .clamp(SOURCE_WIDTH.0, SOURCE_WIDTH.1)
}

/// How many containers each service of the watched project has.
pub fn replica_counts(state: &State) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for container in state.containers.values() {
        *counts.entry(container.service.as_str()).or_insert(0) += 1;
    }
    counts
}

/// The service name, plus `#N` (compose's replica number, the last part of the container name)
/// when the service runs more than one container; the container name when that can't be told.
pub fn source_label<'a>(line: &'a LogLine, replicas: &HashMap<&str, usize>) -> Cow<'a, str> {
    if replicas.get(&*line.service).copied().unwrap_or(0) <= 1 {
        return Cow::Borrowed(&line.service);
    }
    let number = line
        .container
        .rsplit(['-', '_'])
        .next()
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    match number {
        Some(number) => Cow::Owned(format!("{}#{number}", line.service)),
        None => Cow::Borrowed(&line.container),
    }
}

/// The text as shown: JSON re-rendered when asked, else the text with its colours as styles.
pub fn body(state: &State, line: &LogLine) -> Styled {
    match render_json(&line.text, state.log_view.json) {
        Some(json) => Styled {
            text: json,
            styles: Vec::new(),
        },
        None => ansi::styled(&line.text),
    }
}

/// Byte ranges of `text`'s rows: one per text line, and with `wrap` cut every `width` columns
/// (a character wider than the row still gets a row of its own).
pub fn rows(text: &str, width: usize, wrap: bool) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        let end = start + line.len();
        if wrap {
            let mut row_start = start;
            let mut used = 0;
            for (offset, c) in line.char_indices() {
                let w = c.width().unwrap_or(0);
                let at = start + offset;
                if used + w > width && at > row_start {
                    rows.push(row_start..at);
                    row_start = at;
                    used = 0;
                }
                used += w;
            }
            rows.push(row_start..end);
        } else {
            rows.push(start..end);
        }
        start = end + 1;
    }
    rows
}

/// Whether long lines continue on the next rows: when asked (`w`), and always in the request
/// view, whose few lines are there to be read whole.
pub fn wraps(state: &State) -> bool {
    state.log_view.wrap || state.log_view.request.is_some()
}

/// Rows `line` takes in the list.
pub fn row_count(state: &State, columns: &Columns, line: &LogLine) -> usize {
    let wrap = wraps(state);
    if !wrap && state.log_view.json != crate::logs::JsonStyle::Pretty {
        return 1;
    }
    rows(&body(state, line).text, columns.text, wrap).len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Stream;

    fn line(service: &str, container: &str) -> LogLine {
        LogLine::from_engine(service.into(), container.into(), "text", Stream::Stdout)
    }

    #[test]
    fn labels_show_the_service_and_the_replica_only_when_there_are_several() {
        let replicas = HashMap::from([("app", 3), ("redis", 1)]);
        let cases = [
            (line("app", "stack-dev-app-2"), "app#2"),
            (line("app", "stack_dev_app_3"), "app#3"),
            (line("redis", "a-very-long-project-name-redis-1"), "redis"),
            (line("app", "custom-name"), "custom-name"),
            (line("gone", "stack-dev-gone-1"), "gone"),
        ];
        for (line, expected) in cases {
            assert_eq!(source_label(&line, &replicas), expected, "{line:?}");
        }
    }

    #[test]
    fn rows_split_text_lines_and_wrap_at_the_width() {
        let text = "abcdefgh\nij";
        let cut = |wrap: bool, width: usize| -> Vec<&str> {
            rows(text, width, wrap)
                .into_iter()
                .map(|range| &text[range])
                .collect()
        };
        assert_eq!(cut(false, 3), ["abcdefgh", "ij"]);
        assert_eq!(cut(true, 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(cut(true, 8), ["abcdefgh", "ij"]);
        assert_eq!(
            rows("", 5, true).first(),
            Some(&(0..0)),
            "an empty line is one row"
        );
        // Wide characters are not split, and one wider than the row still gets a row.
        let wide = "日本語";
        let cut: Vec<&str> = rows(wide, 4, true).into_iter().map(|r| &wide[r]).collect();
        assert_eq!(cut, ["日本", "語"]);
        let cut: Vec<&str> = rows(wide, 1, true).into_iter().map(|r| &wide[r]).collect();
        assert_eq!(cut, ["日", "本", "語"]);
    }
}
