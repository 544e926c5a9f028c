//! The app's settings, read from Spin variables, and the dependency addresses
//! built from them (formats fixed by the stack's contracts).

/// Read-through cache TTL when `cache_ttl_seconds` is missing or invalid.
pub const DEFAULT_CACHE_TTL_SECONDS: u64 = 30;
/// Longest TTL accepted (a day); larger values are capped.
pub const MAX_CACHE_TTL_SECONDS: u64 = 86_400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub message: String,
    pub profile: String,
    pub redis_address: String,
    pub pg_address: String,
    pub cache_ttl_seconds: u64,
}

impl Settings {
    /// Builds settings from a variable lookup. The manifest declares every
    /// variable, so a missing one only happens on a misconfigured host; the
    /// contract's defaults keep the app answering (dependencies then report
    /// themselves unavailable rather than the whole app failing).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_owned());
        Self {
            message: get("message", "Hello from edge-app"),
            profile: get("profile", "local"),
            redis_address: redis_address(
                &get("redis_host", "127.0.0.1"),
                &get("redis_port", "6379"),
                &get("redis_password", ""),
            ),
            pg_address: pg_address(&PgParams {
                host: get("pg_host", "127.0.0.1"),
                port: get("pg_port", "5432"),
                user: get("pg_user", "app"),
                password: get("pg_password", ""),
                database: get("pg_database", "app"),
            }),
            cache_ttl_seconds: parse_ttl(lookup("cache_ttl_seconds").as_deref()),
        }
    }
}

fn parse_ttl(raw: Option<&str>) -> u64 {
    match raw
        .map(str::trim)
        .and_then(|value| value.parse::<u64>().ok())
    {
        Some(0) | None => DEFAULT_CACHE_TTL_SECONDS,
        Some(seconds) => seconds.min(MAX_CACHE_TTL_SECONDS),
    }
}

/// `redis://:<password>@<host>:<port>` (no userinfo when the password is empty).
/// The password is percent-encoded so any character survives URL parsing.
pub fn redis_address(host: &str, port: &str, password: &str) -> String {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    if password.is_empty() {
        format!("redis://{host}:{port}")
    } else {
        format!("redis://:{}@{host}:{port}", percent_encode(password))
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Postgres connection parameters.
pub struct PgParams {
    pub host: String,
    pub port: String,
    pub user: String,
    pub password: String,
    pub database: String,
}

/// libpq key=value string: `host=<h> port=<p> user=<u> password=<pw> dbname=<db>`.
pub fn pg_address(params: &PgParams) -> String {
    format!(
        "host={} port={} user={} password={} dbname={}",
        libpq_value(&params.host),
        libpq_value(&params.port),
        libpq_value(&params.user),
        libpq_value(&params.password),
        libpq_value(&params.database),
    )
}

/// Quotes a value only when libpq needs it (empty, whitespace, quote, backslash).
fn libpq_value(value: &str) -> String {
    let needs_quotes = value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '\\');
    if !needs_quotes {
        return value.to_owned();
    }
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_addresses() {
        let cases = [
            ("127.0.0.1", "6379", "", "redis://127.0.0.1:6379"),
            ("redis", "6379", "s3cret", "redis://:s3cret@redis:6379"),
            (
                "redis",
                "6380",
                "a/b@c:d",
                "redis://:a%2Fb%40c%3Ad@redis:6380",
            ),
            ("::1", "6379", "", "redis://[::1]:6379"),
        ];
        for (host, port, password, expected) in cases {
            assert_eq!(redis_address(host, port, password), expected);
        }
    }

    #[test]
    fn pg_addresses() {
        let params = |password: &str| PgParams {
            host: "postgres".into(),
            port: "5432".into(),
            user: "app".into(),
            password: password.into(),
            database: "app".into(),
        };
        let cases = [
            (
                "pw",
                "host=postgres port=5432 user=app password=pw dbname=app",
            ),
            (
                "",
                "host=postgres port=5432 user=app password='' dbname=app",
            ),
            (
                "a b'c\\d",
                r"host=postgres port=5432 user=app password='a b\'c\\d' dbname=app",
            ),
        ];
        for (password, expected) in cases {
            assert_eq!(pg_address(&params(password)), expected);
        }
    }

    #[test]
    fn defaults_and_ttl() {
        let settings = Settings::from_lookup(|_| None);
        assert_eq!(settings.message, "Hello from edge-app");
        assert_eq!(settings.profile, "local");
        assert_eq!(settings.redis_address, "redis://127.0.0.1:6379");
        assert_eq!(
            settings.pg_address,
            "host=127.0.0.1 port=5432 user=app password='' dbname=app"
        );
        let ttl = |raw: Option<&str>| parse_ttl(raw);
        assert_eq!(ttl(None), 30);
        assert_eq!(ttl(Some("5")), 5);
        assert_eq!(ttl(Some(" 60 ")), 60);
        assert_eq!(ttl(Some("0")), 30);
        assert_eq!(ttl(Some("soon")), 30);
        assert_eq!(ttl(Some("9999999")), MAX_CACHE_TTL_SECONDS);
    }
}
