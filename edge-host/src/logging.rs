//! Diagnostics on stderr through `tracing`, coloured only for a person at a terminal.

use std::ffi::OsStr;
use std::io::IsTerminal;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// Crates whose verbose lines carry user data or secrets, and the most they may log:
/// tokio-postgres logs every statement's parameter values at debug level.
const NEVER_VERBOSE: &[(&str, LevelFilter)] = &[("tokio_postgres", LevelFilter::INFO)];

/// The cap applied after the user's filter. A separate filter (not a directive added to the
/// user's) because a more specific directive such as `tokio_postgres::query=debug` would
/// otherwise win over `tokio_postgres=info`.
pub fn cap() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(NEVER_VERBOSE.iter().copied())
}

/// Installs the global subscriber: `EDGE_HOST_LOG` filter (default `info`) capped by [`cap`],
/// stderr, colour only when stderr is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>). Container logs and files therefore never get escape codes.
pub fn init() {
    let wanted =
        EnvFilter::try_from_env("EDGE_HOST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let no_color = std::env::var_os("NO_COLOR");
    let output = fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(use_colour(
            std::io::stderr().is_terminal(),
            no_color.as_deref(),
        ))
        .with_filter(wanted.and(cap()));
    tracing_subscriber::registry().with(output).init();
}

/// Whether to colour log output, given whether it goes to a terminal and the `NO_COLOR` value.
pub fn use_colour(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let cases: [(bool, Option<&str>, bool); 6] = [
            (true, None, true),
            (true, Some(""), true),
            (true, Some("1"), false),
            (true, Some("false"), false),
            (false, None, false),
            (false, Some("1"), false),
        ];
        for (tty, no_color, expected) in cases {
            assert_eq!(
                use_colour(tty, no_color.map(OsStr::new)),
                expected,
                "tty={tty} NO_COLOR={no_color:?}"
            );
        }
    }

    #[test]
    fn the_cap_keeps_tokio_postgres_and_its_modules_at_info_and_nothing_else() {
        let cap = cap();
        let cases = [
            ("tokio_postgres::query", Level::DEBUG, false),
            ("tokio_postgres::prepare", Level::TRACE, false),
            ("tokio_postgres", Level::DEBUG, false),
            ("tokio_postgres::connection", Level::INFO, true),
            ("tokio_postgres", Level::WARN, true),
            ("edge_host::serve", Level::TRACE, true),
            ("deadpool.postgres", Level::DEBUG, true),
        ];
        for (target, level, expected) in cases {
            assert_eq!(
                cap.would_enable(target, &level),
                expected,
                "{target} at {level}"
            );
        }
    }
}
