//! Drills: the fault drills of the current profile with their last verdict; the selected one's
//! fault, heal, load and expectation below. Enter runs it after a `y`; its progress goes to
//! Activity and its latest line shows in the title.

use super::style;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use stack_core::app::State;
use stack_core::app::drills::{self, DrillResult};
use stack_core::model::container::Health;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let view = &state.drills;
    let title = match &view.running {
        Some(running) => {
            let seconds = (state.now - running.started).num_seconds().max(0);
            let stopping = if running.stopping { "stopping, " } else { "" };
            format!(
                " Drills: {} running ({stopping}{seconds} s): {} ",
                running.name, running.last
            )
        }
        None => format!(
            " Drills on {} ({}) ",
            state.profile,
            drills::rows(&state.profile).len()
        ),
    };
    let rows = drills::rows(&state.profile);
    // The list takes at most half the panel, so the selected drill's details stay readable;
    // it scrolls to keep the selection in view.
    let list_height = u16::try_from(rows.len())
        .unwrap_or(u16::MAX)
        .saturating_add(3)
        .min((area.height / 2).max(6));
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Max(list_height), Constraint::Min(3)]).areas(area);
    let visible = usize::from(list_area.height.saturating_sub(3)).max(1);
    let first = (view.selected + 1).saturating_sub(visible);
    let name_width = rows.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let mut lines = vec![Line::from(Span::styled(
        format!("  {:<name_width$}  {:<9} last run", "drill", "service"),
        style::muted(&state.theme),
    ))];
    for (index, drill) in rows.iter().enumerate().skip(first).take(visible) {
        let marker = if index == view.selected { "▶ " } else { "  " };
        let running = view.running.as_ref().is_some_and(|r| r.name == drill.name);
        let mut spans = vec![Span::raw(format!(
            "{marker}{:<name_width$}  {:<9} ",
            drill.name, drill.service
        ))];
        spans.push(verdict(state, running, view.results.get(drill.name)));
        let line = Line::from(spans);
        lines.push(if index == view.selected {
            line.style(style::selected())
        } else {
            line
        });
    }
    let block = Block::default().borders(Borders::ALL).title(title);
    frame.render_widget(Paragraph::new(lines).block(block), list_area);
    draw_detail(frame, detail_area, state);
}

fn verdict(state: &State, running: bool, result: Option<&DrillResult>) -> Span<'static> {
    let theme = &state.theme;
    match (running, result) {
        (true, _) => Span::styled("running…", style::warning(theme)),
        (false, Some(result)) => {
            let word = if result.passed { "PASS" } else { "FAIL" };
            let style = if result.passed {
                style::health(theme, Health::Healthy)
            } else {
                style::error(theme)
            };
            Span::styled(format!("{word} at {}", result.at.format("%H:%M:%S")), style)
        }
        (false, None) => Span::styled("not run", style::muted(theme)),
    }
}

fn draw_detail(frame: &mut Frame, area: Rect, state: &State) {
    let Some(drill) = drills::selected(state) else {
        let text = format!("no drill applies to {}", state.profile);
        frame.render_widget(
            Paragraph::new(text).block(Block::default().borders(Borders::ALL)),
            area,
        );
        return;
    };
    let label = |name: &str| Span::styled(format!("{name:<9}"), style::accent(&state.theme));
    let mut lines = vec![
        Line::from(vec![label("fault"), Span::raw(drill.fault_text)]),
        Line::from(vec![label("heal"), Span::raw(drill.heal_text)]),
        Line::from(vec![label("load"), Span::raw(drill.workload.request())]),
        Line::from(vec![label("expected"), Span::raw(drill.expected)]),
        Line::from(vec![label("check"), Span::raw(drill.check_text)]),
    ];
    if let Some(result) = state.drills.results.get(drill.name) {
        lines.push(Line::from(vec![
            label("last run"),
            Span::raw(result.summary.clone()),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", drill.name));
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}
