//! How `logs` prints a line: `container | text` (coloured by service on a terminal) or one JSON
//! object; and a request's timings.

use crate::cli::LogsArgs;
use serde::Serialize;
use stack_core::config::no_color_requested;
use stack_core::config::theme::Theme;
use stack_core::logs::{Level, LogFilter, LogLine, RequestTimings, Stream, ansi};
use std::io::{self, Write};

pub struct Printer<W: Write> {
    out: W,
    filter: Option<LogFilter>,
    json: bool,
    /// Service names coloured (a terminal, colours not refused).
    color: bool,
    /// The containers' own escape codes taken out (`--no-color`, `NO_COLOR`).
    strip: bool,
    theme: Theme,
}

/// One line for `--json`.
#[derive(Serialize)]
struct JsonLine<'a> {
    time: Option<&'a str>,
    service: &'a str,
    container: &'a str,
    stream: &'static str,
    level: Option<&'static str>,
    text: &'a str,
}

impl<W: Write> Printer<W> {
    /// `terminal`: stdout is one. `NO_COLOR` counts as `--no-color`.
    pub fn new(out: W, args: &LogsArgs, terminal: bool) -> Self {
        Self::with_env(out, args, terminal, no_color_requested())
    }

    fn with_env(out: W, args: &LogsArgs, terminal: bool, no_color_env: bool) -> Self {
        let refused = args.no_color || no_color_env;
        Self {
            out,
            filter: args.grep.clone(),
            json: args.json,
            color: terminal && !refused,
            strip: refused,
            theme: Theme::default(),
        }
    }

    pub fn line(&mut self, line: &LogLine) -> io::Result<()> {
        let text = if self.strip {
            ansi::plain(&line.text)
        } else {
            line.text.as_str().into()
        };
        if self.filter.as_ref().is_some_and(|f| !f.is_match(&text)) {
            return Ok(());
        }
        if self.json {
            let json = JsonLine {
                time: line.timestamp.as_deref(),
                service: &line.service,
                container: &line.container,
                stream: match line.stream {
                    Stream::Stdout => "stdout",
                    Stream::Stderr => "stderr",
                },
                level: line.level.map(Level::name),
                text: &text,
            };
            serde_json::to_writer(&mut self.out, &json)?;
            return writeln!(self.out);
        }
        if self.color {
            let code = ansi_code(self.theme.service_color(&line.service));
            writeln!(
                self.out,
                "\x1b[{code}m{:<20}\x1b[0m | {text}",
                line.container
            )
        } else {
            writeln!(self.out, "{:<20} | {text}", line.container)
        }
    }

    /// What nginx and the app measured for request `id`.
    pub fn timings(&mut self, id: &str, timings: &RequestTimings) -> io::Result<()> {
        if self.json {
            let json = serde_json::json!({
                "request_id": id,
                "request_time": timings.request_time,
                "upstream_response_time": timings.upstream_response_times,
                "app_duration_ms": timings.app_duration_ms,
            });
            serde_json::to_writer(&mut self.out, &json)?;
            return writeln!(self.out);
        }
        let seconds = |s: &f64| format!("{:.3} s", s);
        let list = |parts: Vec<String>| {
            if parts.is_empty() {
                "-".to_string()
            } else {
                parts.join(", ")
            }
        };
        writeln!(self.out, "request {id}:")?;
        writeln!(
            self.out,
            "  nginx request_time            {}",
            list(timings.request_time.iter().map(seconds).collect())
        )?;
        writeln!(
            self.out,
            "  nginx upstream_response_time  {}",
            list(
                timings
                    .upstream_response_times
                    .iter()
                    .map(seconds)
                    .collect()
            )
        )?;
        writeln!(
            self.out,
            "  app duration_ms               {}",
            list(
                timings
                    .app_duration_ms
                    .iter()
                    .map(|ms| format!("{ms:.3} ms"))
                    .collect()
            )
        )
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn ansi_code(color: ratatui::style::Color) -> u8 {
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
    use clap::Parser;

    fn printed(flags: &[&str], terminal: bool, lines: &[LogLine]) -> String {
        let cli =
            crate::cli::Cli::try_parse_from(["stack-tui", "logs"].iter().chain(flags).copied())
                .expect("flags");
        let Some(crate::cli::Sub::Logs(args)) = cli.command else {
            panic!("not logs");
        };
        let mut printer = Printer::with_env(Vec::new(), &args, terminal, false);
        for line in lines {
            printer.line(line).expect("write");
        }
        String::from_utf8(printer.out).expect("utf-8")
    }

    fn coloured_line() -> LogLine {
        LogLine::from_engine(
            "app".into(),
            "stack-local-app-1".into(),
            "2024-05-01T10:20:30.123456789Z \x1b[31mERROR\x1b[0m db down",
            Stream::Stderr,
        )
    }

    #[test]
    fn no_color_strips_the_containers_escape_codes() {
        let line = coloured_line();
        let plain = printed(&["--no-color"], true, std::slice::from_ref(&line));
        assert_eq!(plain, "stack-local-app-1    | ERROR db down\n");
        let piped = printed(&[], false, std::slice::from_ref(&line));
        assert!(piped.contains("\x1b[31mERROR"), "kept without --no-color");
        assert!(!piped.starts_with('\x1b'), "no colour on a pipe");
        let terminal = printed(&[], true, std::slice::from_ref(&line));
        assert!(
            terminal.starts_with("\x1b["),
            "service coloured: {terminal:?}"
        );
    }

    #[test]
    fn json_has_one_object_per_line() {
        let out = printed(&["--json", "--no-color"], false, &[coloured_line()]);
        let value: serde_json::Value = serde_json::from_str(out.trim_end()).expect("json");
        assert_eq!(
            value,
            serde_json::json!({
                "time": "2024-05-01T10:20:30.123456789Z",
                "service": "app",
                "container": "stack-local-app-1",
                "stream": "stderr",
                "level": "error",
                "text": "ERROR db down",
            })
        );
        assert_eq!(out.lines().count(), 1);
    }

    #[test]
    fn grep_keeps_matching_lines() {
        let other = LogLine::from_engine("app".into(), "a".into(), "ok", Stream::Stdout);
        let out = printed(
            &["--grep", "db", "--no-color"],
            false,
            &[coloured_line(), other],
        );
        assert_eq!(out.lines().count(), 1, "{out}");
    }
}
