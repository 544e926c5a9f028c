//! `allowed_outbound_hosts`: deny by default, allow what the manifest lists.
//!
//! Patterns are `scheme://host:port` where each part may be `*`, the host may be `*.suffix`, and a
//! missing port means the scheme's default port.

/// Default port of the schemes edge-host makes outbound connections for.
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "redis" => Some(6379),
        "rediss" => Some(6380),
        "postgres" | "postgresql" => Some(5432),
        "mqtt" => Some(1883),
        "mqtts" => Some(8883),
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    scheme: String,
    host: String,
    port: Option<String>,
}

fn parse_pattern(text: &str) -> Option<Pattern> {
    let (scheme, rest) = text.split_once("://")?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = split_host_port(rest);
    Some(Pattern {
        scheme: scheme.to_ascii_lowercase(),
        host: host.to_ascii_lowercase(),
        port: port.map(str::to_string),
    })
}

/// Splits `host:port`, keeping bracketed IPv6 hosts intact.
fn split_host_port(text: &str) -> (&str, Option<&str>) {
    if let Some(stripped) = text.strip_prefix('[')
        && let Some((host, after)) = stripped.split_once(']')
    {
        return (host, after.strip_prefix(':'));
    }
    match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    }
}

/// The compiled allow-list of one component.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    patterns: Vec<Pattern>,
}

impl OutboundPolicy {
    /// Builds the policy; returns it plus the patterns that could not be understood.
    pub fn new(patterns: &[String]) -> (OutboundPolicy, Vec<String>) {
        let mut parsed = Vec::new();
        let mut bad = Vec::new();
        for p in patterns {
            match parse_pattern(p) {
                Some(pattern) => parsed.push(pattern),
                None => bad.push(p.clone()),
            }
        }
        (OutboundPolicy { patterns: parsed }, bad)
    }

    /// Whether a connection with `scheme` to `host:port` is allowed.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        self.patterns.iter().any(|p| {
            let scheme_ok = p.scheme == "*" || p.scheme == scheme;
            let host_ok = p.host == "*"
                || p.host == host
                || p.host
                    .strip_prefix("*.")
                    .is_some_and(|suffix| host.ends_with(&format!(".{suffix}")));
            scheme_ok && host_ok && pattern_port_matches(p, scheme, port)
        })
    }
}

fn pattern_port_matches(p: &Pattern, scheme: &str, port: u16) -> bool {
    match &p.port {
        Some(text) if text == "*" => true,
        Some(text) => text.parse::<u16>().ok() == Some(port),
        None => default_port(scheme) == Some(port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(patterns: &[&str]) -> OutboundPolicy {
        let owned: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        OutboundPolicy::new(&owned).0
    }

    #[test]
    fn exact_host_and_port() {
        let p = policy(&["redis://127.0.0.1:6379"]);
        assert!(p.allows("redis", "127.0.0.1", 6379));
        assert!(!p.allows("redis", "127.0.0.1", 6380));
        assert!(!p.allows("redis", "10.0.0.1", 6379));
        assert!(!p.allows("postgres", "127.0.0.1", 6379));
    }

    #[test]
    fn wildcards_and_default_ports() {
        let p = policy(&[
            "postgres://db.internal",
            "redis://*.cache:*",
            "*://any.host:1",
        ]);
        assert!(p.allows("postgres", "db.internal", 5432));
        assert!(!p.allows("postgres", "db.internal", 5433));
        assert!(p.allows("redis", "a.cache", 9999));
        assert!(!p.allows("redis", "cache", 9999));
        assert!(p.allows("redis", "any.host", 1));
    }

    #[test]
    fn nothing_listed_denies_everything() {
        assert!(!policy(&[]).allows("redis", "127.0.0.1", 6379));
        let (_, bad) = OutboundPolicy::new(&["no-scheme".to_string()]);
        assert_eq!(bad, vec!["no-scheme"]);
    }
}
