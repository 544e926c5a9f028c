//! Diagnostics on stderr through `tracing`, coloured only for a person at a terminal.

use std::ffi::OsStr;
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Capped whatever `EDGE_HOST_LOG` says: tokio-postgres logs every statement's parameter values
/// (user data, sometimes secrets) at debug level.
const NEVER_VERBOSE: &str = "tokio_postgres=info";

/// Installs the global subscriber: `EDGE_HOST_LOG` filter (default `info`), stderr, colour only
/// when stderr is a terminal and `NO_COLOR` is unset or empty (<https://no-color.org>). Container
/// logs and files therefore never get escape codes.
pub fn init() {
    let filter =
        EnvFilter::try_from_env("EDGE_HOST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let filter = match NEVER_VERBOSE.parse() {
        Ok(cap) => filter.add_directive(cap),
        Err(_) => filter,
    };
    let no_color = std::env::var_os("NO_COLOR");
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_colour(
            std::io::stderr().is_terminal(),
            no_color.as_deref(),
        ))
        .init();
}

/// Whether to colour log output, given whether it goes to a terminal and the `NO_COLOR` value.
pub fn use_colour(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
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
}
