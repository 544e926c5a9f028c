//! Audit: open findings grouped by service, worst first, with what was seen; Enter shows the
//! selected finding's rationale, fix and reference. Suppressed findings are counted, never hidden.

use super::style;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use stack_core::app::State;
use stack_core::audit::rules;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let view = &state.audit;
    let title = match (&view.report, view.running) {
        (_, Some(_)) => " Audit (running…) ".to_string(),
        (Some(report), None) => {
            let sources: Vec<&str> = report.sources.iter().map(|o| o.label()).collect();
            format!(
                " Audit: {} · {} suppressed · {} ",
                report.summary(),
                report.suppressed.len(),
                sources.join(" + "),
            )
        }
        (None, None) => " Audit ".to_string(),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let (list_area, detail_area) = if view.detail && area.height > 12 {
        let [list, detail] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(9)]).areas(area);
        (list, Some(detail))
    } else {
        (area, None)
    };
    let inner_height = usize::from(list_area.height.saturating_sub(2)).max(1);
    let (selected_line, lines) = list_lines(state);
    let offset = selected_line.map_or(0, |line| line.saturating_sub(inner_height - 1));
    let visible: Vec<Line> = lines.into_iter().skip(offset).take(inner_height).collect();
    frame.render_widget(Paragraph::new(visible).block(block), list_area);
    if let Some(detail) = detail_area {
        draw_detail(frame, detail, state);
    }
}

/// The list's lines and the index of the selected finding's line.
fn list_lines(state: &State) -> (Option<usize>, Vec<Line<'static>>) {
    let theme = &state.theme;
    let view = &state.audit;
    let mut lines = Vec::new();
    if let Some(error) = &view.error {
        lines.push(Line::from(Span::styled(
            format!("audit failed: {error}"),
            style::error(theme),
        )));
    }
    let Some(report) = &view.report else {
        if view.error.is_none() {
            lines.push(Line::from(Span::styled(
                "no report yet (r audits the profile)",
                style::muted(theme),
            )));
        }
        return (None, lines);
    };
    let rows = view.rows();
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "✓ no open findings",
            style::health(theme, stack_core::model::container::Health::Healthy),
        )));
    }
    let mut selected_line = None;
    let mut service: Option<&str> = None;
    for (index, finding) in rows.iter().enumerate() {
        if service != Some(finding.service.as_str()) {
            service = Some(finding.service.as_str());
            lines.push(Line::from(Span::styled(
                finding.service.clone(),
                style::service(theme, &finding.service),
            )));
        }
        let title = rules::find(finding.rule).map_or("", |rule| rule.title);
        let place = finding.container.as_deref().unwrap_or("files");
        let mut spans = vec![
            Span::styled(
                format!("  {:<8} ", finding.severity.label()),
                style::severity(theme, finding.severity),
            ),
            Span::raw(format!("{:<22} ", finding.rule)),
            Span::raw(format!("{title} ")),
            Span::styled(
                format!("[{} {place}] {}", finding.origin.label(), finding.evidence),
                style::muted(theme),
            ),
        ];
        if index == view.selected {
            selected_line = Some(lines.len());
            spans = spans
                .into_iter()
                .map(|span| span.patch_style(style::selected()))
                .collect();
        }
        lines.push(Line::from(spans));
    }
    // One line per suppression, with where it matched (files, containers).
    let mut suppressed: Vec<(&str, &str, &str, Vec<&str>)> = Vec::new();
    for entry in &report.suppressed {
        let key = (
            entry.finding.rule,
            entry.finding.service.as_str(),
            entry.reason.as_str(),
        );
        let origin = entry.finding.origin.label();
        match suppressed.iter_mut().find(|s| (s.0, s.1, s.2) == key) {
            Some(found) if !found.3.contains(&origin) => found.3.push(origin),
            Some(_) => {}
            None => suppressed.push((key.0, key.1, key.2, vec![origin])),
        }
    }
    for (rule, service, reason, origins) in suppressed {
        lines.push(Line::from(Span::styled(
            format!(
                "  suppressed {rule} {service} ({}): {reason}",
                origins.join(", ")
            ),
            style::muted(theme),
        )));
    }
    for expired in &report.expired_suppressions {
        lines.push(Line::from(Span::styled(
            format!("  suppression expired: {expired}"),
            style::severity(theme, stack_core::audit::Severity::Medium),
        )));
    }
    (selected_line, lines)
}

fn draw_detail(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let Some(finding) = state.audit.selected_finding() else {
        return;
    };
    let Some(rule) = rules::find(finding.rule) else {
        return;
    };
    let text = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", finding.severity.label().to_uppercase()),
                style::severity(theme, finding.severity),
            ),
            Span::styled(rule.title, style::accent(theme)),
        ]),
        Line::from(format!("seen: {}", finding.evidence)),
        Line::from(format!("why: {}", rule.rationale)),
        Line::from(format!("fix: {}", rule.fix)),
        Line::from(Span::styled(
            format!("reference: {}   (esc closes)", rule.reference),
            style::muted(theme),
        )),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", finding.rule));
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        area,
    );
}
