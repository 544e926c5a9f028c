//! When a Redis command that failed on a broken connection may be sent again on a fresh one.
//!
//! A command whose connection broke after it was written may have run on the server; sending it
//! again is only harmless when running it twice leaves the same data and the same reply as
//! running it once. Reads and a plain `SET` do; `INCR` counts twice, `PUBLISH` delivers twice,
//! `SET … NX` answers "not stored" the second time, `DEL`/`SADD`/`SREM` report 0 changes the
//! second time. Anything not listed here is not retried.

/// Whether a command may be sent again on a fresh connection after its own broke under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Running it twice leaves the same data and the same reply as running it once.
    Safe,
    Never,
}

/// Commands that read only (same data, same reply when repeated).
const READS: &[&str] = &[
    "GET",
    "MGET",
    "EXISTS",
    "STRLEN",
    "TTL",
    "PTTL",
    "TYPE",
    "SMEMBERS",
    "SISMEMBER",
    "SCARD",
    "HGET",
    "HMGET",
    "HGETALL",
    "HEXISTS",
    "HLEN",
    "LRANGE",
    "LLEN",
    "ZRANGE",
    "ZSCORE",
    "ZCARD",
    "PING",
    "ECHO",
];

/// `SET` options that make its reply or its effect depend on what was there before.
const CONDITIONAL_SET_OPTIONS: &[&str] = &["NX", "XX", "GET"];

/// Whether `command` with `args` may be sent again after its connection broke under it.
pub fn resend(command: &str, args: &[&[u8]]) -> Resend {
    if is_idempotent(command, args) {
        Resend::Safe
    } else {
        Resend::Never
    }
}

/// The connection broke under the command (broken pipe, reset, end of stream), as opposed to the
/// server answering an error or not answering in time.
pub fn broke_under(e: &redis::RedisError) -> bool {
    e.is_connection_dropped() && !e.is_timeout()
}

fn is_idempotent(command: &str, args: &[&[u8]]) -> bool {
    let command = command.to_ascii_uppercase();
    if READS.contains(&command.as_str()) {
        return true;
    }
    // SET key value [EX s | PX ms | EXAT t | PXAT t | KEEPTTL]: the options after the value.
    command == "SET"
        && args.len() >= 2
        && !args[2..].iter().any(|arg| {
            CONDITIONAL_SET_OPTIONS
                .iter()
                .any(|option| arg.eq_ignore_ascii_case(option.as_bytes()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_plain_sets_are_retried_and_nothing_else() {
        let cases: &[(&str, &[&[u8]], bool)] = &[
            ("GET", &[b"k"], true),
            ("get", &[b"k"], true),
            ("SMEMBERS", &[b"s"], true),
            ("PING", &[], true),
            ("SET", &[b"k", b"v"], true),
            ("SET", &[b"k", b"v", b"EX", b"60"], true),
            ("set", &[b"k", b"v", b"keepttl"], true),
            // The value itself may spell an option: only what follows it counts.
            ("SET", &[b"k", b"NX"], true),
            ("SET", &[b"k", b"v", b"NX", b"EX", b"60"], false),
            ("SET", &[b"k", b"v", b"xx"], false),
            ("SET", &[b"k", b"v", b"GET"], false),
            ("SET", &[b"k"], false),
            ("INCR", &[b"visits"], false),
            ("INCRBY", &[b"visits", b"2"], false),
            ("PUBLISH", &[b"c", b"m"], false),
            ("DEL", &[b"k"], false),
            ("SADD", &[b"s", b"m"], false),
            ("SREM", &[b"s", b"m"], false),
            ("EVAL", &[b"return 1", b"0"], false),
            ("FLUSHALL", &[], false),
        ];
        for (command, args, expected) in cases {
            assert_eq!(
                resend(command, args) == Resend::Safe,
                *expected,
                "{command} {args:?}"
            );
        }
    }
}
