//! Metrics: per service (and per app replica when there are several) the requests of the
//! chosen window as a sparkline, with errors (5xx) drawn in red, and its current values: rate,
//! p50/p95/p99 latency, 4xx and 5xx per second; below, CPU as a sparkline with CPU % and memory
//! against the limit, and the health flags that are up. `w` cycles the window.

use super::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline, SparklineBar};
use stack_core::app::State;
use stack_core::app::views::metrics::{MetricsRow, metrics_rows};
use stack_core::metrics::{Column, FlagKind, TrafficSummary, Usage};
use stack_core::model::container::Health;

/// The row label's column.
const LABEL: usize = 11;
/// ` req/s` then five 6-wide values: p50 p95 p99 4xx/s 5xx/s.
const VALUES: usize = 7 + 5 * 6;
/// The CPU sparkline's least full scale, in percent of a core.
const CPU_FLOOR: f64 = 10.0;

pub fn draw(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let window = state.metrics_window;
    let key = state
        .keymap
        .keys_for(
            stack_core::config::keymap::Context::Metrics,
            stack_core::config::keymap::Command::CycleWindow,
        )
        .into_iter()
        .next()
        .unwrap_or_default();
    let title = format!(" Metrics · last {} ({key}: 1m/5m/15m) ", window.label());
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let rows = metrics_rows(state);
    if rows.is_empty() {
        let text = Span::styled(
            format!("no containers in {}", state.project),
            style::muted(theme),
        );
        frame.render_widget(Paragraph::new(Line::from(text)), inner);
        return;
    }
    let spark = usize::from(inner.width).saturating_sub(LABEL + VALUES);
    let header = format!(
        "{:<LABEL$}{:<spark$}{:>7}{:>6}{:>6}{:>6}{:>6}{:>6}",
        "service",
        if spark >= 24 {
            "requests (5xx red) · cpu"
        } else {
            "requests · cpu"
        },
        "req/s",
        "p50",
        "p95",
        "p99",
        "4xx/s",
        "5xx/s",
    );
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let line_at = |y: u16| Rect::new(inner.x, y, inner.width, 1);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(header, style::muted(theme)))),
        line_at(y),
    );
    y += 1;
    for row in &rows {
        for line in row_lines(state, row, spark) {
            if y >= bottom {
                return;
            }
            let area = line_at(y);
            frame.render_widget(Paragraph::new(line.text), area);
            if let Some((bars, max)) = line.bars
                && spark > 0
            {
                let spark_area = Rect::new(area.x + LABEL as u16, y, spark as u16, 1);
                frame.render_widget(Sparkline::default().data(bars).max(max), spark_area);
            }
            y += 1;
        }
    }
}

/// One screen line of a row: its text (with blanks where the sparkline goes), and the bars
/// with the value of a full one.
struct RowLine {
    text: Line<'static>,
    bars: Option<(Vec<SparklineBar>, u64)>,
}

fn row_lines(state: &State, row: &MetricsRow, spark: usize) -> Vec<RowLine> {
    let theme = &state.theme;
    let metrics = &state.metrics;
    let seconds = state.metrics_window.seconds();
    let label_style = if row.is_replica() {
        style::muted(theme)
    } else {
        style::service(theme, &row.label)
    };
    let indent = if row.is_replica() { "  " } else { "" };
    let label = Span::styled(fit(&format!("{indent}{}", row.label), LABEL), label_style);
    let blank = " ".repeat(spark);
    let ids = row.running_ids.iter().map(String::as_str);
    let usage = metrics.usage(ids.clone());
    // Tenths of a percent; a full bar is the window's peak, and at least 10 % of a core, so an
    // idle service's noise stays flat.
    let cpu = metrics.cpu_columns(ids, seconds, spark.max(1));
    let cpu_bars: Vec<SparklineBar> = cpu
        .iter()
        .map(|cpu| SparklineBar::from((cpu * 10.0) as u64).style(Some(style::muted(theme))))
        .collect();
    let cpu_max = cpu.iter().copied().fold(CPU_FLOOR, f64::max);
    let crash_loop = row
        .flags
        .iter()
        .any(|(kind, _)| *kind == FlagKind::CrashLoop);
    let restarts = if row.restarts > 0 {
        let style = if crash_loop {
            style::error(theme)
        } else {
            style::muted(theme)
        };
        Span::styled(fit(&format!("{indent}↻ {}", row.restarts), LABEL), style)
    } else {
        Span::raw(" ".repeat(LABEL))
    };
    let mut lines = Vec::new();
    match row.traffic(metrics, seconds) {
        Some(traffic) => {
            let columns = row.columns(metrics, seconds, spark.max(1));
            let max = columns.iter().map(|c| c.requests).max().unwrap_or(0).max(1);
            let bars = columns
                .into_iter()
                .map(|column| request_bar(state, column))
                .collect();
            let mut text = vec![label, Span::raw(blank.clone())];
            text.extend(traffic_values(state, &traffic));
            lines.push(RowLine {
                text: Line::from(text),
                bars: Some((bars, max)),
            });
            let mut text = vec![restarts, Span::raw(blank)];
            text.extend(usage_values(state, usage));
            lines.push(RowLine {
                text: Line::from(text),
                bars: Some((cpu_bars.clone(), (cpu_max * 10.0) as u64)),
            });
        }
        // No requests pass through it (Redis, Postgres): CPU and memory on one line.
        None => {
            let mut text = vec![label, Span::raw(blank)];
            text.extend(usage_values(state, usage));
            if row.restarts > 0 {
                let style = if crash_loop {
                    style::error(theme)
                } else {
                    style::muted(theme)
                };
                text.push(Span::styled(format!("  ↻ {}", row.restarts), style));
            }
            lines.push(RowLine {
                text: Line::from(text),
                bars: Some((cpu_bars.clone(), (cpu_max * 10.0) as u64)),
            });
        }
    }
    if !row.flags.is_empty() {
        let flags: Vec<String> = row
            .flags
            .iter()
            .map(|(kind, since)| format!("{} since {}", kind.label(), since.format("%H:%M:%S")))
            .collect();
        lines.push(RowLine {
            text: Line::from(Span::styled(
                format!("{indent}  ⚑ {}", flags.join(" · ")),
                style::error(theme),
            )),
            bars: None,
        });
    }
    lines
}

/// A column's requests; red when any of them failed with a 5xx.
fn request_bar(state: &State, column: Column) -> SparklineBar {
    let style = if column.server_errors > 0 {
        style::error(&state.theme)
    } else {
        style::accent(&state.theme)
    };
    SparklineBar::from(column.requests).style(Some(style))
}

fn traffic_values(state: &State, traffic: &TrafficSummary) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let rates = traffic.rates;
    let errors_style = |rate: f64, bad: Style| if rate > 0.0 { bad } else { Style::default() };
    vec![
        Span::raw(format!("{:>7}", rate(rates.requests))),
        Span::raw(format!("{:>6}", latency(traffic.p50))),
        Span::raw(format!("{:>6}", latency(traffic.p95))),
        Span::raw(format!("{:>6}", latency(traffic.p99))),
        Span::styled(
            format!("{:>6}", rate(rates.client_errors)),
            errors_style(rates.client_errors, style::warning(theme)),
        ),
        Span::styled(
            format!("{:>6}", rate(rates.server_errors)),
            errors_style(rates.server_errors, style::error(theme)),
        ),
    ]
}

fn usage_values(state: &State, usage: Option<Usage>) -> Vec<Span<'static>> {
    let theme = &state.theme;
    let Some(usage) = usage else {
        return vec![Span::styled(" cpu -  mem -", style::muted(theme))];
    };
    let mut spans = vec![Span::raw(format!(
        " cpu {:>5.1}%  mem {}",
        usage.cpu_percent,
        bytes(usage.memory_bytes)
    ))];
    if let Some(ratio) = usage.memory_ratio() {
        let style = if ratio >= 0.9 {
            style::error(theme)
        } else if ratio >= 0.75 {
            style::warning(theme)
        } else {
            style::health(theme, Health::Healthy)
        };
        spans.push(Span::raw(format!("/{} ", bytes(usage.memory_limit))));
        spans.push(Span::styled(format!("{:.0}%", ratio * 100.0), style));
    }
    spans
}

/// `0`, `<0.01`, `0.02`, `0.4`, `12.3`, `123`, `1.2k` (per second): one error in 15 minutes is
/// not shown as 0.
fn rate(value: f64) -> String {
    if value == 0.0 {
        "0".into()
    } else if value < 0.005 {
        "<0.01".into()
    } else if value < 0.095 {
        format!("{value:.2}")
    } else if value < 100.0 {
        format!("{value:.1}")
    } else if value < 1000.0 {
        format!("{value:.0}")
    } else {
        format!("{:.1}k", value / 1000.0)
    }
}

/// `-`, `4ms`, `870ms`, `1.2s`, `14s`.
fn latency(seconds: Option<f64>) -> String {
    match seconds {
        None => "-".into(),
        Some(s) if s < 0.001 => "<1ms".into(),
        Some(s) if s < 1.0 => format!("{:.0}ms", s * 1000.0),
        Some(s) if s < 10.0 => format!("{s:.1}s"),
        Some(s) => format!("{s:.0}s"),
    }
}

/// `512K`, `12M`, `1.5G`.
fn bytes(value: u64) -> String {
    const K: f64 = 1024.0;
    let v = value as f64;
    if v < K * K {
        format!("{:.0}K", v / K)
    } else if v < K * K * K {
        format!("{:.0}M", v / (K * K))
    } else {
        format!("{:.1}G", v / (K * K * K))
    }
}

/// `text` cut or padded to `width` columns.
fn fit(text: &str, width: usize) -> String {
    let cut: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{cut:<width$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_short_and_readable() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(0.43), "0.4");
        assert_eq!(rate(1.0 / 60.0), "0.02", "one in a minute");
        assert_eq!(rate(1.0 / 900.0), "<0.01", "one in 15 minutes");
        assert_eq!(rate(250.0), "250");
        assert_eq!(rate(1530.0), "1.5k");
        assert_eq!(latency(None), "-");
        assert_eq!(latency(Some(0.0004)), "<1ms");
        assert_eq!(latency(Some(0.004)), "4ms");
        assert_eq!(latency(Some(2.34)), "2.3s");
        assert_eq!(bytes(300 << 10), "300K");
        assert_eq!(bytes(64 << 20), "64M");
        assert_eq!(bytes(3 << 29), "1.5G");
        assert_eq!(fit("stack-dev-app-12", 11), "stack-dev- ");
    }
}
