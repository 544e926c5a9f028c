//! `logs [SERVICE…] [--follow] [--grep] [--since]`, straight from the Engine API.

use crate::docker::{connect, project_snapshots, stream_logs};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::select_all;
use stack_core::config::no_color_requested;
use stack_core::config::theme::Theme;
use stack_core::logs::{LogFilter, LogLine};
use stack_core::model::Layout;
use std::io::{IsTerminal, Write};

/// `30s`, `10m`, `2h`, `1d`, a unix time, or RFC 3339 → unix seconds.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(unix) = text.parse::<i64>() {
        return Ok(unix);
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.timestamp());
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let amount: i64 = number.parse().map_err(|_| {
        format!("--since {text:?}: expected 30s, 10m, 2h, 1d, a unix time or an RFC 3339 time")
    })?;
    let seconds = match unit {
        "s" => amount,
        "m" => amount * 60,
        "h" => amount * 3600,
        "d" => amount * 86_400,
        _ => {
            return Err(format!(
                "--since {text:?}: unknown unit {unit:?} (use s, m, h or d)"
            ));
        }
    };
    Ok(now.timestamp() - seconds)
}

pub async fn logs(
    layout: &Layout,
    profile: &str,
    services: &[String],
    follow: bool,
    grep: Option<&str>,
    since: Option<&str>,
) -> anyhow::Result<()> {
    let profile = layout.profile(profile)?;
    let since = since
        .map(|s| parse_since(s, Utc::now()))
        .transpose()
        .map_err(anyhow::Error::msg)?
        .unwrap_or(0);
    let filter = grep
        .map(LogFilter::new)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let docker = connect().await?;
    let containers = project_snapshots(&docker, &profile.project).await?;
    let known: Vec<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    for wanted in services {
        if !known.contains(&wanted.as_str()) {
            let mut names = known.clone();
            names.dedup();
            anyhow::bail!(
                "no service {wanted:?} in project {}: it has {}",
                profile.project,
                if names.is_empty() {
                    "no containers".to_string()
                } else {
                    names.join(", ")
                }
            );
        }
    }
    let chosen = containers
        .iter()
        .filter(|c| services.is_empty() || services.contains(&c.service));
    let streams = chosen
        .map(|c| Box::pin(stream_logs(&docker, c, follow, since, "all")))
        .collect::<Vec<_>>();
    let color = std::io::stdout().is_terminal() && !no_color_requested();
    let theme = Theme::default();
    let mut stdout = std::io::stdout().lock();
    let mut print = |line: &LogLine| -> std::io::Result<()> {
        if filter.as_ref().is_some_and(|f| !f.is_match(&line.text)) {
            return Ok(());
        }
        if color {
            let code = ansi(theme.service_color(&line.service));
            writeln!(
                stdout,
                "\x1b[{code}m{:<20}\x1b[0m | {}",
                line.container, line.text
            )
        } else {
            writeln!(stdout, "{:<20} | {}", line.container, line.text)
        }
    };
    if follow {
        let mut merged = select_all(streams);
        while let Some(batch) = merged.next().await {
            for line in batch? {
                print(&line)?;
            }
        }
    } else {
        // Without --follow, print everything in time order across containers.
        let mut all: Vec<LogLine> = Vec::new();
        for mut stream in streams {
            while let Some(batch) = stream.next().await {
                all.extend(batch?);
            }
        }
        all.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
        for line in &all {
            print(line)?;
        }
    }
    Ok(())
}

fn ansi(color: ratatui::style::Color) -> u8 {
    use ratatui::style::Color;
    match color {
        Color::Red | Color::LightRed => 31,
        Color::Green => 32,
        Color::Yellow | Color::LightYellow => 33,
        Color::Blue => 34,
        Color::Magenta => 35,
        Color::Cyan => 36,
        _ => 39,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_since_forms() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let base = now.timestamp();
        let cases = [
            ("30s", Ok(base - 30)),
            ("10m", Ok(base - 600)),
            ("2h", Ok(base - 7200)),
            ("1d", Ok(base - 86_400)),
            ("1714560000", Ok(1_714_560_000)),
            ("2024-05-01T11:00:00Z", Ok(base - 3600)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_since(text, now), expected, "{text}");
        }
        assert!(
            parse_since("5w", now)
                .expect_err("bad unit")
                .contains("unknown unit")
        );
        assert!(parse_since("soon", now).is_err());
    }
}
