//! Which daemon stack-tui talks to. The Engine API connection and every `docker` process it
//! spawns must reach the same daemon, so the endpoint is resolved once, the way the docker CLI
//! resolves it (DOCKER_HOST, DOCKER_CONTEXT, config.json's currentContext, "default").

mod resolve;
mod store;

pub use resolve::{Lookup, resolve};
pub use store::{ContextMeta, known_contexts};

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The context name shown when DOCKER_HOST decides (the CLI then uses "default" with that host).
pub const DOCKER_HOST_CONTEXT: &str = "DOCKER_HOST";
/// The built-in context: DOCKER_HOST-less default socket.
pub const DEFAULT_CONTEXT: &str = "default";

#[cfg(windows)]
pub const DEFAULT_HOST: &str = "npipe:////./pipe/docker_engine";
#[cfg(not(windows))]
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// What picked the endpoint, for messages: a wrong daemon is only fixable if the user sees why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    DockerHost,
    DockerContext,
    /// `currentContext` in this config.json.
    ConfigFile(PathBuf),
    /// Nothing selected a daemon.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::DockerHost => f.write_str("DOCKER_HOST"),
            Source::DockerContext => f.write_str("DOCKER_CONTEXT"),
            Source::ConfigFile(path) => write!(f, "{} currentContext", tilde(path)),
            Source::Default => f.write_str("no DOCKER_HOST, DOCKER_CONTEXT or currentContext"),
        }
    }
}

/// TLS material for a tcp endpoint; files that do not exist are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// False for SkipTLSVerify (a context) or DOCKER_TLS without DOCKER_TLS_VERIFY.
    pub verify: bool,
}

/// A context that DOCKER_HOST overrides (the CLI warns about it too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadowed {
    pub context: String,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The context name, or [`DOCKER_HOST_CONTEXT`] when DOCKER_HOST decided.
    pub context: String,
    pub source: Source,
    /// `unix:///…`, `tcp://…`, `ssh://…`, `npipe://…`.
    pub host: String,
    pub tls: Option<Tls>,
    pub shadowed: Option<Shadowed>,
    /// Problems the CLI would also only warn about (an unreadable config.json).
    pub warnings: Vec<String>,
}

impl Endpoint {
    /// A plain endpoint (no TLS, nothing shadowed, no warnings), for tests.
    #[cfg(test)]
    pub(crate) fn plain(context: &str, source: Source, host: &str) -> Self {
        Endpoint {
            context: context.into(),
            source,
            host: host.into(),
            tls: None,
            shadowed: None,
            warnings: Vec::new(),
        }
    }

    /// `unix`, `tcp`, `ssh`…; the host without `://` is taken as a socket path, as the CLI does.
    pub fn scheme(&self) -> &str {
        self.host
            .split_once("://")
            .map_or("unix", |(scheme, _)| scheme)
    }

    /// A daemon on another machine: anything but a local socket, a named pipe or loopback tcp.
    /// Destructive actions should ask first there.
    pub fn is_remote(&self) -> bool {
        match self.scheme() {
            "unix" | "npipe" | "fd" => false,
            "tcp" | "http" | "https" => !is_loopback(&self.host),
            _ => true,
        }
    }

    /// `context 'colima' (from ~/.docker/config.json currentContext) at unix:///…`.
    pub fn describe(&self) -> String {
        if self.source == Source::DockerHost {
            return format!("DOCKER_HOST at {}", self.host);
        }
        let from = match self.source {
            Source::Default => format!("{}", self.source),
            _ => format!("from {}", self.source),
        };
        format!("context '{}' ({from}) at {}", self.context, self.host)
    }

    /// Global `docker` flags that aim the CLI at this endpoint. DOCKER_HOST is already in the
    /// environment the children inherit, and `--context` would override it.
    pub fn cli_args(&self) -> Vec<String> {
        match self.source {
            Source::DockerHost => Vec::new(),
            _ => vec!["--context".into(), self.context.clone()],
        }
    }

    /// Environment for scripts that run `docker` themselves (they take no flags from us).
    pub fn child_env(&self) -> Vec<(&'static str, String)> {
        match self.source {
            Source::DockerHost => vec![("DOCKER_HOST", self.host.clone())],
            _ => vec![("DOCKER_CONTEXT", self.context.clone())],
        }
    }
}

/// Why no endpoint could be chosen; cloneable so the process-wide answer can be handed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error(
        "Docker context '{name}' (from {from}) does not exist (no {}). Known contexts: {}. \
         Fix: pick one of them with `docker context use NAME` or DOCKER_CONTEXT, or create it \
         with `docker context create {name} --docker host=…`",
        tilde(meta), known.join(", ")
    )]
    UnknownContext {
        name: String,
        from: Source,
        meta: PathBuf,
        known: Vec<String>,
    },
    #[error(
        "Docker context '{name}' (from {from}): cannot use {}: {reason}",
        tilde(path)
    )]
    BadContext {
        name: String,
        from: Source,
        path: PathBuf,
        reason: String,
    },
}

/// The endpoint for this process, resolved on first use from the environment. One answer for
/// the whole run keeps the dashboard and the compose calls on one daemon even if
/// `docker context use` runs meanwhile.
pub fn current() -> Result<&'static Endpoint, EndpointError> {
    static CURRENT: OnceLock<Result<Endpoint, EndpointError>> = OnceLock::new();
    CURRENT
        .get_or_init(|| resolve(&Lookup::from_env()))
        .as_ref()
        .map_err(Clone::clone)
}

/// `tcp://127.0.0.1:2375`, `tcp://localhost`, `tcp://[::1]:2376/` are loopback.
fn is_loopback(host: &str) -> bool {
    let rest = host.split_once("://").map_or(host, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let name = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Paths under the home directory as `~/…`, so messages stay short and recognisable.
fn tilde(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
        && let Ok(rest) = path.strip_prefix(&home)
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str, source: Source) -> Endpoint {
        Endpoint::plain("ctx", source, host)
    }

    #[test]
    fn remote_is_anything_but_local_sockets_and_loopback() {
        let cases = [
            ("unix:///var/run/docker.sock", false),
            ("npipe:////./pipe/docker_engine", false),
            ("tcp://127.0.0.1:2375", false),
            ("tcp://127.8.0.1:2375", false),
            ("tcp://localhost:2376", false),
            ("tcp://[::1]:2376/", false),
            ("http://LOCALHOST", false),
            ("tcp://10.0.0.5:2376", true),
            ("tcp://docker.example.com:2376", true),
            ("tcp://[2001:db8::1]:2376", true),
            ("ssh://user@build-host", true),
            ("ssh://localhost", true),
        ];
        for (host, remote) in cases {
            assert_eq!(
                endpoint(host, Source::Default).is_remote(),
                remote,
                "{host}"
            );
        }
    }

    #[test]
    fn cli_flags_pin_the_context_unless_docker_host_decides() {
        let named = endpoint("unix:///x.sock", Source::DockerContext);
        assert_eq!(named.cli_args(), ["--context", "ctx"]);
        assert_eq!(named.child_env(), [("DOCKER_CONTEXT", "ctx".to_string())]);
        let host = endpoint("tcp://10.0.0.5:2375", Source::DockerHost);
        assert!(host.cli_args().is_empty());
        assert_eq!(
            host.child_env(),
            [("DOCKER_HOST", "tcp://10.0.0.5:2375".to_string())]
        );
    }

    #[test]
    fn descriptions_name_context_source_and_host() {
        let config = Source::ConfigFile(PathBuf::from("/cfg/config.json"));
        assert_eq!(
            endpoint("unix:///c.sock", config).describe(),
            "context 'ctx' (from /cfg/config.json currentContext) at unix:///c.sock"
        );
        assert_eq!(
            endpoint("tcp://h:1", Source::DockerHost).describe(),
            "DOCKER_HOST at tcp://h:1"
        );
        assert!(
            endpoint("unix:///d.sock", Source::Default)
                .describe()
                .contains("(no DOCKER_HOST, DOCKER_CONTEXT or currentContext)")
        );
    }
}
