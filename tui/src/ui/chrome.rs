//! Header, tab bar, daemon banner, footer and the confirmation dialog.

use super::style;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use stack_core::app::screen;
use stack_core::app::{Connection, Mode, Panel, State};
use stack_core::audit::Severity;
use stack_core::config::hints::{fit, footer_hints, request_view_hints};

pub fn header(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    // The daemon's context first: on a laptop with several daemons it says which one this is.
    let context = if state.daemon.remote {
        Span::styled(
            state.daemon.name.clone(),
            style::warning(theme).add_modifier(Modifier::BOLD),
        )
    } else {
        Span::raw(state.daemon.name.clone())
    };
    let docker = match &state.connection {
        Connection::Connecting => Span::styled(" · connecting…", style::muted(theme)),
        Connection::Connected { api_version } => Span::raw(format!(" · API {api_version}")),
        Connection::Lost { .. } => Span::styled(" · unreachable", style::error(theme)),
    };
    let mut line = Line::from(vec![
        Span::styled(" stack-tui ", style::accent(theme)),
        Span::raw("│ profile "),
        Span::styled(state.profile.clone(), style::accent(theme)),
        Span::styled(format!(" ({})", state.project), style::muted(theme)),
    ]);
    if state.readonly {
        line.push_span(Span::styled(" [read-only]", style::accent(theme)));
    }
    // A reload in progress and the audit come before the engine details so that 80 columns
    // still show them.
    if let Some(running) = &state.reload.running {
        line.push_span(Span::raw(" │ "));
        line.push_span(Span::styled(
            format!("⟳ {}", running.progress(state.now)),
            style::accent(theme),
        ));
    }
    if let Some(span) = audit_summary(state) {
        line.push_span(Span::raw(" │ "));
        line.push_span(span);
    }
    line.extend([
        Span::raw(" │ "),
        context,
        docker,
        Span::raw(format!(" │ {} containers", state.containers.len())),
    ]);
    if state.reload.running.is_none() && state.reload.watching.is_some() {
        line.push_span(Span::styled(" │ watching", style::muted(theme)));
    }
    // Too wide (a long context name at 80 columns): the project name goes first, since it is
    // the profile's with a prefix, and the daemon matters more.
    if line.width() > usize::from(area.width) {
        line.spans.remove(PROJECT_SPAN);
    }
    frame.render_widget(Paragraph::new(line), area);
}

/// Where the header keeps ` (project)`.
const PROJECT_SPAN: usize = 3;

/// `audit: 1 high` — red and reversed on prod when a high or critical finding is open.
fn audit_summary(state: &State) -> Option<Span<'static>> {
    let theme = &state.theme;
    let report = state.audit.report.as_ref()?;
    let worst = report.worst();
    // Compact: the worst severity's count, then how many more (the panel has the rest).
    let text = match worst {
        None => "audit: clean".to_string(),
        Some(severity) => {
            let counts = report.counts();
            let worst_count = counts.get(&severity).copied().unwrap_or(0);
            let others = report.findings.len() - worst_count;
            if others == 0 {
                format!("audit: {worst_count} {severity}")
            } else {
                format!("audit: {worst_count} {severity} +{others}")
            }
        }
    };
    Some(match worst {
        None => Span::styled(text, style::muted(theme)),
        Some(severity) if state.is_prod() && severity >= Severity::High => {
            Span::styled(text, style::error(theme).add_modifier(Modifier::REVERSED))
        }
        Some(severity) => Span::styled(text, style::severity(theme, severity)),
    })
}

pub fn tabs(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let mut spans = Vec::new();
    for (label, panel) in screen::tab_labels(area.width)
        .into_iter()
        .zip(stack_core::app::Panel::ALL)
    {
        let style = if panel == state.panel && !state.log_view.fullscreen {
            style::selected().add_modifier(Modifier::BOLD)
        } else {
            style::muted(theme)
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw("│"));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn banner(frame: &mut Frame, area: Rect, state: &State) {
    if let Connection::Lost { reason, retry_in } = &state.connection {
        let text = format!(
            " Docker daemon unreachable — retrying in {:.1}s. {reason}",
            retry_in.as_secs_f64()
        );
        let style = style::error(&state.theme).add_modifier(Modifier::REVERSED);
        frame.render_widget(Paragraph::new(text).style(style), area);
    }
}

pub fn footer(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let line = match &state.mode {
        Mode::Filter(text) => Line::from(vec![
            Span::styled("/", style::accent(theme)),
            Span::raw(text.clone()),
            Span::raw("█"),
        ]),
        Mode::Command(text) => Line::from(vec![
            Span::styled(":", style::accent(theme)),
            Span::raw(text.clone()),
            Span::raw("█"),
        ]),
        _ => match &state.message {
            Some(message) => Line::from(Span::raw(message.clone())),
            None => Line::from(Span::styled(hints(state, area.width), style::muted(theme))),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The footer's hints for the panel on screen, from the keymap (`stack_core::config::hints`).
fn hints(state: &State, width: u16) -> String {
    // Full-screen logs take the Logs panel's keys, whichever panel opened them (as input does).
    let fullscreen = state.log_view.fullscreen;
    let panel = if fullscreen { Panel::Logs } else { state.panel };
    let hints = if (fullscreen || panel == Panel::Logs) && state.log_view.request.is_some() {
        request_view_hints(&state.keymap, state.readonly)
    } else {
        footer_hints(&state.keymap, panel.context(), fullscreen, state.readonly)
    };
    fit(&hints, usize::from(width))
}

pub fn confirm(frame: &mut Frame, area: Rect, prompt: &str, state: &State) {
    // At least 20 wide, but never wider than the terminal (which may be narrower than 20).
    let width = (prompt.chars().count() as u16 + 6).max(20).min(area.width);
    let height = 5.min(area.height);
    let dialog = Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width.min(area.width),
        height,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" confirm ")
        .border_style(style::error(&state.theme));
    let text = vec![
        Line::from(prompt.to_string()),
        Line::from("y: yes   any other key: no"),
    ];
    frame.render_widget(Clear, dialog);
    frame.render_widget(
        Paragraph::new(text)
            .block(block)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        dialog,
    );
}
