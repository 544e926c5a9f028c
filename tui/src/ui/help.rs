//! `?` help: the keys as currently bound, the config file and the log file locations.

use super::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use stack_core::app::{Panel, State};
use stack_core::config::keymap::{Command, Context};

/// (title, context, [(command, what it does)])
type Section = (&'static str, Context, &'static [(Command, &'static str)]);

const SECTIONS: &[Section] = &[
    (
        "Everywhere",
        Context::Global,
        &[
            (Command::Up, "up"),
            (Command::Down, "down"),
            (Command::NextPanel, "next panel"),
            (Command::PrevPanel, "previous panel"),
            (Command::Filter, "filter"),
            (Command::CommandLine, "command"),
            (Command::Drill, "open"),
            (Command::Back, "back"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
    ),
    (
        "Services",
        Context::Services,
        &[
            (Command::Start, "start"),
            (Command::Stop, "stop"),
            (Command::Restart, "restart"),
            (Command::Recreate, "recreate"),
            (Command::Shell, "shell"),
            (Command::Logs, "logs full screen"),
            (Command::Sort, "sort"),
        ],
    ),
    (
        "Logs",
        Context::Logs,
        &[
            (Command::ToggleFollow, "follow/pause"),
            (Command::Drill, "request view of an access line"),
            (Command::Copy, "copy line or request (OSC 52)"),
            (Command::ToggleWrap, "wrap"),
            (Command::NextMatch, "next match"),
            (Command::PrevMatch, "previous match"),
            (Command::NextProblem, "next error/warning"),
            (Command::PrevProblem, "previous error/warning"),
            (Command::CycleLevel, "minimum level"),
            (Command::ToggleMatchesOnly, "filter hides/marks"),
            (Command::ToggleJson, "json raw/pretty/compact"),
            (Command::ToggleTimestamps, "timestamps"),
            (Command::ToggleTimeZone, "local time/UTC"),
            (Command::SaveLogs, "save view"),
            (Command::ClearLogs, "clear"),
        ],
    ),
    (
        "Topology",
        Context::Topology,
        &[(Command::ToggleView, "picture/list")],
    ),
    (
        "Profiles",
        Context::Profiles,
        &[(Command::ProfileUp, "up"), (Command::ProfileDown, "down")],
    ),
    (
        "Activity",
        Context::Activity,
        &[(Command::ResumeReloads, "watch paused paths again")],
    ),
    (
        "Audit",
        Context::Audit,
        &[
            (Command::Refresh, "audit again"),
            (Command::Drill, "rationale and fix"),
        ],
    ),
    (
        "Drills",
        Context::Drills,
        &[
            (Command::Drill, "run the selected drill (asks first)"),
            (
                Command::StopDrill,
                "stop the running drill (it heals first)",
            ),
        ],
    ),
    (
        "Metrics",
        Context::Metrics,
        &[(Command::CycleWindow, "window: 1, 5, 15 minutes")],
    ),
];

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let mut lines = Vec::new();
    for (title, context, commands) in SECTIONS {
        lines.push(Line::from(Span::styled(*title, style::accent(theme))));
        let entries: Vec<String> = commands
            .iter()
            .map(|(command, what)| {
                // A panel's command may be bound only globally (enter opens an audit finding).
                let mut keys = state.keymap.keys_for(*context, *command);
                if keys.is_empty() {
                    keys = state.keymap.keys_for(Context::Global, *command);
                }
                format!("{} {what}", keys.join("/"))
            })
            .collect();
        lines.push(Line::from(format!("  {}", entries.join(" · "))));
    }
    lines.push(Line::from(""));
    let panels: Vec<String> = Panel::ALL
        .iter()
        .enumerate()
        .map(|(index, panel)| format!("{} {}", index + 1, panel.title().to_lowercase()))
        .collect();
    lines.push(Line::from(format!("Panels: {}", panels.join(" · "))));
    lines.push(Line::from(
        "Commands: :profile NAME  :up [--with monitoring]  :down  :logs [SERVICE]  :grep [!]REGEX  :since 5m|off  :level warn|all  :save [PATH]  \
         :reload app|proxy|db|stack  :resume  :audit  :q",
    ));
    lines.push(Line::from(format!(
        "Config: {}",
        crate::paths::config_file().display()
    )));
    let log_file = state
        .log_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(logging off)".into());
    lines.push(Line::from(format!("Log file: {log_file}")));
    let margin = 2.min(area.width / 4);
    let popup = Rect::new(
        area.x + margin,
        area.y + 1.min(area.height),
        area.width.saturating_sub(margin * 2),
        area.height.saturating_sub(2),
    );
    let inner = (
        popup.width.saturating_sub(2),
        popup.height.saturating_sub(2),
    );
    let mut closing = "any key closes this help";
    let mut paragraph = Paragraph::new(lines.clone()).wrap(Wrap { trim: false });
    let total = paragraph.line_count(inner.0) + 1;
    if total > usize::from(inner.1) {
        closing = "j/k, pgup/pgdn scroll · any other key closes this help";
    }
    lines.push(Line::from(Span::styled(closing, style::muted(theme))));
    paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = paragraph.line_count(inner.0);
    // Scrolled no further than the last line at the bottom of the box.
    let last_start = u16::try_from(total.saturating_sub(usize::from(inner.1))).unwrap_or(u16::MAX);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        paragraph
            .block(Block::default().borders(Borders::ALL).title(" Help "))
            .scroll((state.help_scroll.min(last_start), 0)),
        popup,
    );
}
