//! `allowed_outbound_hosts`: deny by default, allow what the manifest lists, as Spin reads it.
//!
//! A pattern is `scheme://host[:port]`:
//! - scheme: a name (`redis`, `postgres`, `http`, …) or `*` for any, which is also the only kind
//!   that allows raw TCP sockets (`wasi:sockets`);
//! - host: a name, `*`, `*.suffix`, an IP address (IPv6 in brackets) or an IP range in CIDR form
//!   (`10.0.0.0/8`);
//! - port: a number, a range `a-b`, or `*`; without one, the scheme's default port (a `*` scheme
//!   has none, so it needs an explicit port).
//!
//! Variables in patterns (`{{ name }}`) are resolved by the manifest before they get here.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use wasmtime_wasi::sockets::SocketAddrUse;

use super::ComponentPolicy;

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
enum Host {
    Any,
    /// `*.suffix`: any name ending in `.suffix`.
    Subdomain(String),
    Name(String),
    Ip(IpNet),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ports {
    Any,
    Range(u16, u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// `None` for `*`.
    scheme: Option<String>,
    host: Host,
    ports: Ports,
}

/// An `allowed_outbound_hosts` entry edge-host cannot read, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allowed_outbound_hosts entry {pattern:?}: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

fn parse_pattern(text: &str) -> Result<Pattern, String> {
    let (scheme, rest) = text
        .split_once("://")
        .ok_or("expected `scheme://host[:port]`")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme.is_empty() {
        return Err("the scheme is empty (use `*` for any)".into());
    }
    let rest = rest.trim_end_matches('/');
    let (host, port) = split_host_port(rest)?;
    let ports = match port {
        Some(port) => parse_ports(port)?,
        None => {
            let port = default_port(&scheme).ok_or_else(|| {
                format!(
                    "scheme {scheme:?} has no default port: add one (`:1234`, `:1-100` or `:*`)"
                )
            })?;
            Ports::Range(port, port)
        }
    };
    Ok(Pattern {
        scheme: (scheme != "*").then_some(scheme),
        host: parse_host(host)?,
        ports,
    })
}

/// Splits `host:port`; a bracketed IPv6 host keeps its colons, and a CIDR's `/len` stays with it.
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(stripped) = text.strip_prefix('[') {
        let (host, after) = stripped
            .split_once(']')
            .ok_or("an IPv6 host needs its closing `]`")?;
        return Ok((host, after.strip_prefix(':')));
    }
    Ok(match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    })
}

fn parse_host(host: &str) -> Result<Host, String> {
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return Err("the host is empty (use `*` for any)".into());
    }
    if host == "*" {
        return Ok(Host::Any);
    }
    if let Some(suffix) = host.strip_prefix("*.") {
        return Ok(Host::Subdomain(suffix.to_string()));
    }
    if host.contains('/') {
        return host
            .parse::<IpNet>()
            .map(|net| Host::Ip(net.trunc()))
            .map_err(|_| format!("{host:?} is not an IP range like 10.0.0.0/8"));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Host::Ip(IpNet::from(ip)));
    }
    if host.contains('*') {
        return Err(format!(
            "{host:?}: `*` is allowed only as the whole host or as `*.`"
        ));
    }
    Ok(Host::Name(host))
}

fn parse_ports(text: &str) -> Result<Ports, String> {
    if text == "*" {
        return Ok(Ports::Any);
    }
    let number = |s: &str| {
        s.trim()
            .parse::<u16>()
            .map_err(|_| format!("port {text:?} is not a number, a range `a-b` or `*`"))
    };
    match text.split_once('-') {
        Some((low, high)) => {
            let (low, high) = (number(low)?, number(high)?);
            if low > high {
                return Err(format!("port range {text:?} is empty"));
            }
            Ok(Ports::Range(low, high))
        }
        None => number(text).map(|port| Ports::Range(port, port)),
    }
}

impl Host {
    fn matches_name(&self, host: &str) -> bool {
        match self {
            Host::Any => true,
            Host::Name(name) => name == host,
            Host::Subdomain(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.ends_with('.')),
            Host::Ip(net) => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
        }
    }
}

impl Ports {
    fn contains(self, port: u16) -> bool {
        match self {
            Ports::Any => true,
            Ports::Range(low, high) => (low..=high).contains(&port),
        }
    }
}

/// The compiled allow-list of one component.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    patterns: Vec<Pattern>,
}

impl OutboundPolicy {
    /// Compiles the manifest's list; the first entry that cannot be read is the error.
    pub fn new(patterns: &[String]) -> Result<OutboundPolicy, PatternError> {
        let patterns = patterns
            .iter()
            .map(|text| {
                parse_pattern(text).map_err(|reason| PatternError {
                    pattern: text.clone(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(OutboundPolicy { patterns })
    }

    /// Whether a connection with `scheme` to `host:port` is allowed.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let (scheme, host) = (scheme.to_ascii_lowercase(), host.to_ascii_lowercase());
        self.patterns.iter().any(|p| {
            p.scheme.as_ref().is_none_or(|s| *s == scheme)
                && p.host.matches_name(&host)
                && p.ports.contains(port)
        })
    }

    /// Whether a raw socket may connect to (or send to) `addr`: a `*` scheme entry whose host is
    /// that IP, a range holding it, or a name that resolves to it.
    pub async fn allows_socket(&self, addr: SocketAddr) -> bool {
        for p in &self.patterns {
            if p.scheme.is_some() || !p.ports.contains(addr.port()) {
                continue;
            }
            let matched = match &p.host {
                Host::Any => true,
                Host::Ip(net) => net.contains(&addr.ip()),
                Host::Name(name) => resolves_to(name, addr).await,
                Host::Subdomain(_) => false,
            };
            if matched {
                return true;
            }
        }
        false
    }
}

/// Whether an outgoing HTTP request's URL is allowed (scheme, host and port as sent).
pub fn allows_uri(policy: &OutboundPolicy, uri: &http::Uri) -> bool {
    let scheme = uri.scheme_str().unwrap_or("https");
    let Some(host) = uri.host() else {
        return false;
    };
    let Some(port) = uri.port_u16().or_else(|| default_port(scheme)) else {
        return false;
    };
    policy.allows(scheme, host, port)
}

/// Lets the guest's raw sockets reach what the policy allows: connects and sends are checked,
/// like datagrams received; local binds (made implicitly before every connect) are allowed;
/// listening and accepting are not.
pub fn sockets(wasi: &mut wasmtime_wasi::WasiCtxBuilder, component: &Arc<ComponentPolicy>) {
    let component = Arc::clone(component);
    wasi.allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(true)
        .socket_addr_check(move |addr, usage| {
            let component = Arc::clone(&component);
            Box::pin(async move {
                match usage {
                    SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => true,
                    SocketAddrUse::TcpConnect
                    | SocketAddrUse::UdpSend
                    | SocketAddrUse::UdpReceive => component.outbound.allows_socket(addr).await,
                    _ => false,
                }
            })
        });
}

async fn resolves_to(name: &str, addr: SocketAddr) -> bool {
    match tokio::net::lookup_host((name, addr.port())).await {
        Ok(mut found) => found.any(|candidate| candidate.ip() == addr.ip()),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(patterns: &[&str]) -> OutboundPolicy {
        let owned: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        OutboundPolicy::new(&owned).expect("valid patterns")
    }

    fn error(pattern: &str) -> String {
        OutboundPolicy::new(&[pattern.to_string()])
            .expect_err("invalid pattern")
            .to_string()
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
    fn wildcards_ranges_and_default_ports() {
        let p = policy(&[
            "postgres://db.internal",
            "redis://*.cache:*",
            "*://any.host:1",
            "http://10.1.0.0/16:8000-8010",
        ]);
        assert!(p.allows("postgres", "db.internal", 5432));
        assert!(!p.allows("postgres", "db.internal", 5433));
        assert!(p.allows("redis", "a.cache", 9999));
        assert!(!p.allows("redis", "cache", 9999));
        assert!(!p.allows("redis", "xcache", 9999));
        assert!(p.allows("redis", "any.host", 1));
        assert!(p.allows("http", "10.1.200.3", 8005));
        assert!(!p.allows("http", "10.2.0.1", 8005));
        assert!(!p.allows("http", "10.1.0.1", 8011));
    }

    #[test]
    fn unreadable_entries_say_why() {
        assert!(
            error("no-scheme").contains("scheme://host"),
            "{}",
            error("no-scheme")
        );
        assert!(error("*://host").contains("no default port"));
        assert!(error("tcp://host:x").contains("not a number"));
        assert!(error("tcp://host:9-1").contains("empty"));
        assert!(error("*://10.0.0.0/33:1").contains("IP range"));
        assert!(error("*://a*b:1").contains("only as the whole host"));
        assert!(error("*://[::1:1").contains("closing"));
    }

    #[test]
    fn nothing_listed_denies_everything() {
        assert!(!policy(&[]).allows("redis", "127.0.0.1", 6379));
    }

    #[tokio::test]
    async fn sockets_need_a_wildcard_scheme_entry() {
        let addr: SocketAddr = "127.0.0.1:7000".parse().expect("addr");
        assert!(policy(&["*://127.0.0.1:7000"]).allows_socket(addr).await);
        assert!(policy(&["*://127.0.0.0/24:7000"]).allows_socket(addr).await);
        assert!(policy(&["*://localhost:7000"]).allows_socket(addr).await);
        assert!(!policy(&["*://127.0.1.0/24:7000"]).allows_socket(addr).await);
        assert!(!policy(&["*://127.0.0.1:7001"]).allows_socket(addr).await);
        assert!(
            !policy(&["redis://127.0.0.1:7000"])
                .allows_socket(addr)
                .await
        );
        let v6: SocketAddr = "[::1]:7000".parse().expect("addr");
        assert!(policy(&["*://[::1]:7000"]).allows_socket(v6).await);
    }
}
