//! Styles derived from the theme; with `NO_COLOR` only bold/underline/reverse remain.

use ratatui::style::{Color, Modifier, Style};
use stack_core::audit::Severity;
use stack_core::config::theme::Theme;
use stack_core::logs::Level;
use stack_core::model::container::{Health, RunState};
use stack_core::model::readiness::ReadinessVerdict;

fn fg(theme: &Theme, color: Color) -> Style {
    if theme.color {
        Style::new().fg(color)
    } else {
        Style::new()
    }
}

pub fn health(theme: &Theme, health: Health) -> Style {
    match health {
        Health::Healthy => fg(theme, theme.healthy),
        Health::Starting => fg(theme, theme.starting),
        Health::Unhealthy => fg(theme, theme.unhealthy).add_modifier(Modifier::BOLD),
        Health::None => fg(theme, theme.muted),
    }
}

/// Readiness of app replicas: never green unless every one is ready.
pub fn readiness(theme: &Theme, verdict: ReadinessVerdict) -> Style {
    match verdict {
        ReadinessVerdict::Ready => fg(theme, theme.healthy),
        ReadinessVerdict::Checking => fg(theme, theme.starting),
        ReadinessVerdict::NotReady => error(theme),
    }
}

pub fn run_state(theme: &Theme, state: Option<RunState>) -> Style {
    match state {
        Some(RunState::Running) => fg(theme, theme.healthy),
        Some(RunState::Restarting | RunState::Created | RunState::Paused) => {
            fg(theme, theme.starting)
        }
        Some(RunState::Exited | RunState::Dead) => {
            fg(theme, theme.unhealthy).add_modifier(Modifier::BOLD)
        }
        _ => fg(theme, theme.stopped),
    }
}

/// A one-shot (migration job) that exited 0: done, as good as a healthy service.
pub fn completed(theme: &Theme) -> Style {
    fg(theme, theme.healthy)
}

pub fn level(theme: &Theme, level: Option<Level>) -> Style {
    match level {
        Some(Level::Error) => fg(theme, theme.unhealthy).add_modifier(Modifier::BOLD),
        Some(Level::Warn) => fg(theme, theme.starting),
        Some(Level::Debug | Level::Trace) => fg(theme, theme.muted),
        _ => Style::new(),
    }
}

/// Audit findings: critical and high in the error colour, medium as a warning, low muted.
pub fn severity(theme: &Theme, severity: Severity) -> Style {
    match severity {
        Severity::Critical | Severity::High => error(theme),
        Severity::Medium => fg(theme, theme.starting),
        Severity::Low => fg(theme, theme.muted),
    }
}

pub fn service(theme: &Theme, service: &str) -> Style {
    fg(theme, theme.service_color(service))
}

pub fn accent(theme: &Theme) -> Style {
    fg(theme, theme.accent).add_modifier(Modifier::BOLD)
}

pub fn muted(theme: &Theme) -> Style {
    fg(theme, theme.muted)
}

pub fn error(theme: &Theme) -> Style {
    fg(theme, theme.unhealthy).add_modifier(Modifier::BOLD)
}

/// Worth a second look, not wrong: a remote daemon in the header.
pub fn warning(theme: &Theme) -> Style {
    fg(theme, theme.starting)
}

pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// A container's own ANSI styles: kept, less their colours under `NO_COLOR`.
pub fn container_output(theme: &Theme, ansi: Style) -> Style {
    let mut style = ansi;
    if !theme.color {
        style.fg = None;
        style.bg = None;
    }
    style
}

/// Regex matches in log lines.
pub fn highlight(theme: &Theme) -> Style {
    if theme.color {
        Style::new().fg(Color::Black).bg(theme.highlight)
    } else {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED)
    }
}
