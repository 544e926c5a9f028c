//! What a login attempt with the current secret showed, read from the client's own output.

/// The result of logging in to a store with the current secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The store took the secret.
    Opens,
    /// The store refused the secret: it holds another password (drift). The server's reason.
    Refused(String),
    /// The check could not tell (not running, no answer in time, another error). Why.
    Unknown(String),
}

/// A secret as read from its file, without the line end; `Err` says what is wrong with it without
/// showing it. The stack's secrets are what compose/prepare generates (hex) and start-redis
/// accepts, so they pass through psql and redis-cli unquoted and unescaped.
pub fn usable_secret(text: &str) -> Result<&str, String> {
    let secret = text.trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        return Err("is empty".into());
    }
    if !secret
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err("holds characters other than A-Z, a-z, 0-9, '_' and '-'".into());
    }
    Ok(secret)
}

/// `psql … -tAc 'SELECT 1'` over TCP: `1` is a login; "password authentication failed" (SQLSTATE
/// 28P01) is a password the server does not hold; anything else (a missing role, no server) is
/// not drift.
pub fn psql_login_outcome(exit: Option<i64>, stdout: &str, stderr: &str) -> Outcome {
    if exit == Some(0) && stdout.trim() == "1" {
        return Outcome::Opens;
    }
    let line = last_line(stderr).or_else(|| last_line(stdout));
    let reason = line.map(server_reason).unwrap_or_default();
    if stderr.contains("password authentication failed") {
        return Outcome::Refused(reason);
    }
    Outcome::Unknown(unknown_reason(reason, exit))
}

/// `redis-cli ping` with the password in `REDISCLI_AUTH`: `PONG` is a login; WRONGPASS (or
/// NOAUTH, the ping after a failed AUTH; "invalid password" before Redis 6) is a password the
/// server does not hold.
pub fn redis_login_outcome(exit: Option<i64>, stdout: &str, stderr: &str) -> Outcome {
    if exit == Some(0) && stdout.trim() == "PONG" {
        return Outcome::Opens;
    }
    let refusal = stderr.lines().chain(stdout.lines()).find(|line| {
        ["WRONGPASS", "NOAUTH", "invalid password"]
            .iter()
            .any(|m| line.contains(m))
    });
    if let Some(line) = refusal {
        let reason = line.trim().trim_start_matches("AUTH failed: ").to_string();
        return Outcome::Refused(reason);
    }
    let reason = last_line(stderr)
        .or_else(|| last_line(stdout))
        .map(str::to_string)
        .unwrap_or_default();
    Outcome::Unknown(unknown_reason(reason, exit))
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).rfind(|line| !line.is_empty())
}

/// psql prefixes the server's words with where it tried to connect; keep the server's words.
fn server_reason(line: &str) -> String {
    line.rsplit_once("FATAL:")
        .map_or(line, |(_, reason)| reason)
        .trim()
        .to_string()
}

fn unknown_reason(reason: String, exit: Option<i64>) -> String {
    let code = exit.map_or_else(|| "unknown".to_string(), |code| code.to_string());
    if reason.is_empty() {
        format!("the client printed nothing (exit {code})")
    } else {
        format!("{reason} (exit {code})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PSQL_REFUSED: &str = "psql: error: connection to server at \"172.20.0.3\", port 5432 failed: FATAL:  password authentication failed for user \"app\"\n";

    #[test]
    fn psql_outcomes() {
        let cases = [
            (Some(0), "1\n", "", Outcome::Opens),
            (
                Some(2),
                "",
                PSQL_REFUSED,
                Outcome::Refused("password authentication failed for user \"app\"".into()),
            ),
            (
                Some(2),
                "",
                "psql: error: connection to server at \"172.20.0.3\", port 5432 failed: FATAL:  role \"app\" does not exist\n",
                Outcome::Unknown("role \"app\" does not exist (exit 2)".into()),
            ),
            (
                Some(2),
                "",
                "psql: error: connection to server at \"172.20.0.3\", port 5432 failed: Connection refused\n",
                Outcome::Unknown("psql: error: connection to server at \"172.20.0.3\", port 5432 failed: Connection refused (exit 2)".into()),
            ),
            (
                Some(127),
                "",
                "",
                Outcome::Unknown("the client printed nothing (exit 127)".into()),
            ),
            // Exit 0 with something else than the one row is not a login that was shown.
            (
                Some(0),
                "",
                "",
                Outcome::Unknown("the client printed nothing (exit 0)".into()),
            ),
        ];
        for (exit, stdout, stderr, expected) in cases {
            assert_eq!(
                psql_login_outcome(exit, stdout, stderr),
                expected,
                "{stderr}"
            );
        }
    }

    #[test]
    fn redis_outcomes() {
        let cases = [
            (Some(0), "PONG\n", "", Outcome::Opens),
            (
                Some(0),
                "NOAUTH Authentication required.\n",
                "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n",
                Outcome::Refused(
                    "WRONGPASS invalid username-password pair or user is disabled.".into(),
                ),
            ),
            (
                Some(1),
                "NOAUTH Authentication required.\n",
                "",
                Outcome::Refused("NOAUTH Authentication required.".into()),
            ),
            (
                Some(1),
                "",
                "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n",
                Outcome::Unknown(
                    "Could not connect to Redis at 127.0.0.1:6379: Connection refused (exit 1)"
                        .into(),
                ),
            ),
        ];
        for (exit, stdout, stderr, expected) in cases {
            assert_eq!(redis_login_outcome(exit, stdout, stderr), expected);
        }
    }

    #[test]
    fn a_secret_is_taken_without_its_line_end_and_never_shown_when_refused() {
        assert_eq!(usable_secret("a1B2-c_3\n"), Ok("a1B2-c_3"));
        assert_eq!(usable_secret("\n"), Err("is empty".into()));
        let Err(quoted) = usable_secret("it's") else {
            panic!("a quote is refused");
        };
        assert!(quoted.contains("characters"), "{quoted}");
        assert!(!quoted.contains("it's"), "the value is not shown: {quoted}");
        assert!(usable_secret("two words").is_err());
        assert!(usable_secret("line\nbreak").is_err());
    }
}
