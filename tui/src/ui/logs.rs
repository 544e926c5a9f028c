//! Multiplexed logs: colour per service, level colours, regex highlight, JSON pretty/compact.

use super::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use stack_core::app::State;
use stack_core::app::views::logs::selected_lines;
use stack_core::logs::{LogLine, match_ranges, render_json};
use std::borrow::Cow;
use std::collections::HashMap;

/// The source column is as wide as its widest label, within these bounds.
const SOURCE_WIDTH: (usize, usize) = (5, 24);

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let view = &state.log_view;
    let mut title = format!(
        " Logs · {} ",
        view.service.as_deref().unwrap_or("all services")
    );
    if let Some(filter) = &view.filter {
        title.push_str(&format!("· /{}/ ", filter.pattern()));
    }
    title.push_str(if view.follow {
        "· following "
    } else {
        "· paused "
    });
    let dropped = format!(
        " {} lines · {} dropped ",
        state.logs.len(),
        state.logs.dropped()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(Line::from(dropped).right_aligned());
    let height = usize::from(area.height.saturating_sub(2));
    let lines = selected_lines(state, height);
    let replicas = replica_counts(state);
    let labels: Vec<Cow<str>> = lines
        .iter()
        .map(|line| source_label(line, &replicas))
        .collect();
    // Wide enough for every service of the project, so the column doesn't jump as lines scroll.
    let services = replicas.iter().map(|(service, count)| {
        let suffix = if *count > 1 {
            count.to_string().len() + 1
        } else {
            0
        };
        service.chars().count() + suffix
    });
    let width = labels
        .iter()
        .map(|label| label.chars().count())
        .chain(services)
        .max()
        .unwrap_or(0)
        .clamp(SOURCE_WIDTH.0, SOURCE_WIDTH.1);
    let mut rows: Vec<Line> = Vec::new();
    for (line, label) in lines.into_iter().zip(&labels) {
        let mut rendered = render_line(state, line, label, width);
        // Newest first while collecting; pretty JSON may add several rows per line.
        rendered.reverse();
        rows.extend(rendered);
        if rows.len() >= height {
            break;
        }
    }
    rows.truncate(height);
    rows.reverse();
    if rows.is_empty() {
        rows.push(Line::from(Span::styled(
            "no log lines yet",
            style::muted(&state.theme),
        )));
    }
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

/// How many containers each service of the watched project has.
fn replica_counts(state: &State) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for container in state.containers.values() {
        *counts.entry(container.service.as_str()).or_insert(0) += 1;
    }
    counts
}

/// The service name, plus `#N` (compose's replica number, the last part of the container name)
/// when the service runs more than one container; the container name when that can't be told.
fn source_label<'a>(line: &'a LogLine, replicas: &HashMap<&str, usize>) -> Cow<'a, str> {
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

fn render_line(state: &State, line: &LogLine, label: &str, width: usize) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let mut prefix = Vec::new();
    if state.log_view.timestamps {
        prefix.push(Span::styled(
            format!("{} ", line.short_time()),
            style::muted(theme),
        ));
    }
    prefix.push(Span::styled(
        format!("{:<width$} ", truncate(label, width)),
        style::service(theme, &line.service),
    ));
    // Continuation rows of pretty JSON line up under the first row's text.
    let indent: usize = prefix.iter().map(Span::width).sum();
    let body = render_json(&line.text, state.log_view.json).unwrap_or_else(|| line.text.clone());
    let base = style::level(theme, line.level);
    body.lines()
        .enumerate()
        .map(|(index, text)| {
            let mut spans = if index == 0 {
                prefix.clone()
            } else {
                vec![Span::raw(" ".repeat(indent))]
            };
            spans.extend(highlighted(state, text, base));
            Line::from(spans)
        })
        .collect()
}

fn highlighted(state: &State, text: &str, base: ratatui::style::Style) -> Vec<Span<'static>> {
    let ranges = match_ranges(state.log_view.filter.as_ref(), text);
    let mut spans = Vec::new();
    let mut cursor = 0;
    for range in ranges {
        if range.start > cursor {
            spans.push(Span::styled(text[cursor..range.start].to_string(), base));
        }
        spans.push(Span::styled(
            text[range.clone()].to_string(),
            style::highlight(&state.theme),
        ));
        cursor = range.end;
    }
    if cursor < text.len() {
        spans.push(Span::styled(text[cursor..].to_string(), base));
    }
    spans
}

fn truncate(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use stack_core::logs::Stream;

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
}
