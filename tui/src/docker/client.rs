//! Connecting to the resolved endpoint (unix socket, tcp, TLS, ssh), with errors that say which
//! context and address were tried, where they came from, and how to fix it.

use super::endpoint::{self, Endpoint, EndpointError, Source, Tls};
use bollard::{API_DEFAULT_VERSION, Docker};
use std::time::Duration;

/// A daemon that accepts the connection but never answers must not hang the CLI.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Per-request timeout in seconds: bollard's default, which the env-based connection used.
const REQUEST_TIMEOUT_SECS: u64 = 120;

#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("Docker is unreachable: {endpoint}: {reason}. Fix: {fix}")]
    Unreachable {
        endpoint: String,
        reason: String,
        fix: String,
    },
    #[error("Docker endpoint {endpoint} cannot be used: {reason}")]
    Unsupported { endpoint: String, reason: String },
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error("Docker API call failed: {0}")]
    Api(#[from] bollard::errors::Error),
}

fn unreachable(endpoint: &Endpoint, reason: impl ToString) -> DockerError {
    let fix = match &endpoint.source {
        Source::DockerHost => {
            "start the daemon DOCKER_HOST points at, or unset DOCKER_HOST to use the current \
             Docker context"
                .to_string()
        }
        Source::Default => "start the Docker daemon (dockerd), or pick the daemon that runs with \
                            `docker context use NAME` (or DOCKER_CONTEXT, DOCKER_HOST)"
            .to_string(),
        _ => format!(
            "start the daemon behind context '{}' (Docker Desktop, Colima, OrbStack…), or pick \
             another with `docker context use NAME` or DOCKER_CONTEXT",
            endpoint.context
        ),
    };
    DockerError::Unreachable {
        endpoint: endpoint.describe(),
        reason: reason.to_string(),
        fix,
    }
}

fn unsupported(endpoint: &Endpoint, reason: impl ToString) -> DockerError {
    DockerError::Unsupported {
        endpoint: endpoint.describe(),
        reason: reason.to_string(),
    }
}

/// Connects to this process's endpoint (see [`endpoint::current`]) and negotiates the API
/// version (the engine here speaks 1.41; bollard defaults newer).
pub async fn connect() -> Result<Docker, DockerError> {
    connect_to(endpoint::current()?).await
}

pub async fn connect_to(endpoint: &Endpoint) -> Result<Docker, DockerError> {
    let docker = client_for(endpoint)?;
    match tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version()).await {
        Ok(Ok(docker)) => Ok(docker),
        Ok(Err(err)) => Err(unreachable(endpoint, chain(&err))),
        Err(_) => Err(unreachable(
            endpoint,
            format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()),
        )),
    }
}

/// The bollard transport for the endpoint's scheme (nothing is sent yet).
fn client_for(endpoint: &Endpoint) -> Result<Docker, DockerError> {
    let host = endpoint.host.as_str();
    let scheme = endpoint.scheme();
    let docker = match (scheme, &endpoint.tls) {
        ("unix" | "npipe", _) => return socket(endpoint),
        ("tcp" | "http" | "https", Some(tls)) => return ssl(endpoint, tls),
        ("https", None) => {
            return Err(unsupported(
                endpoint,
                "https:// needs the daemon's CA certificate (ca.pem); set DOCKER_TLS_VERIFY=1 \
                 and DOCKER_CERT_PATH, or use a context with TLS material",
            ));
        }
        ("tcp" | "http", None) => {
            Docker::connect_with_http(host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
        }
        // bollard hands `user@host:port` to ssh as one destination, which ssh cannot resolve.
        ("ssh", _) if ssh_port(host).is_some() => {
            return Err(unsupported(
                endpoint,
                "a port in an ssh:// address is not supported here; give the host an alias with \
                 its Port in ~/.ssh/config and use ssh://user@alias, or forward the socket \
                 (`ssh -L /tmp/docker.sock:/var/run/docker.sock user@host`) and use \
                 DOCKER_HOST=unix:///tmp/docker.sock",
            ));
        }
        // Runs `ssh HOST docker system dial-stdio`, as the docker CLI does.
        ("ssh", _) => Docker::connect_with_ssh(host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION),
        (other, _) => {
            return Err(unsupported(
                endpoint,
                format!("the {other}:// scheme is not supported (unix://, tcp:// and ssh:// are)"),
            ));
        }
    };
    docker.map_err(|err| unreachable(endpoint, chain(&err)))
}

/// The port of `ssh://[user@]host:port[/path]`, if one is given.
fn ssh_port(host: &str) -> Option<&str> {
    let rest = host.strip_prefix("ssh://")?;
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let port = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once("]:")?.1,
        None => authority.split_once(':')?.1,
    };
    Some(port).filter(|port| !port.is_empty())
}

/// The error with its causes: bollard's own text ("client error (Connect)") hides the useful
/// part ("Connection refused").
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

#[cfg(unix)]
fn socket(endpoint: &Endpoint) -> Result<Docker, DockerError> {
    if endpoint.scheme() == "npipe" {
        return Err(unsupported(endpoint, "named pipes exist only on Windows"));
    }
    Docker::connect_with_unix(&endpoint.host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
        .map_err(|err| unreachable(endpoint, chain(&err)))
}

#[cfg(windows)]
fn socket(endpoint: &Endpoint) -> Result<Docker, DockerError> {
    if endpoint.scheme() == "unix" {
        return Err(unsupported(
            endpoint,
            "unix sockets are not used on Windows",
        ));
    }
    Docker::connect_with_named_pipe(&endpoint.host, REQUEST_TIMEOUT_SECS, API_DEFAULT_VERSION)
        .map_err(|err| unreachable(endpoint, chain(&err)))
}

/// bollard's TLS always verifies the daemon against ca.pem; the client certificate and key are
/// read during the handshake, and a missing pair just means none is presented.
fn ssl(endpoint: &Endpoint, tls: &Tls) -> Result<Docker, DockerError> {
    if !tls.verify {
        return Err(unsupported(
            endpoint,
            "TLS without verifying the daemon (SkipTLSVerify, or DOCKER_TLS without \
             DOCKER_TLS_VERIFY) is not supported; provide the daemon's CA as ca.pem and verify",
        ));
    }
    let Some(ca) = &tls.ca else {
        return Err(unsupported(
            endpoint,
            "TLS needs the daemon's CA certificate (ca.pem in the context's TLS folder, or in \
             DOCKER_CERT_PATH) and there is none",
        ));
    };
    let key = tls
        .key
        .clone()
        .unwrap_or_else(|| ca.with_file_name("key.pem"));
    let cert = tls
        .cert
        .clone()
        .unwrap_or_else(|| ca.with_file_name("cert.pem"));
    Docker::connect_with_ssl(
        &endpoint.host,
        &key,
        &cert,
        ca,
        REQUEST_TIMEOUT_SECS,
        API_DEFAULT_VERSION,
    )
    .map_err(|err| unreachable(endpoint, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(host: &str, tls: Option<Tls>) -> Endpoint {
        Endpoint {
            context: "colima".into(),
            source: Source::DockerContext,
            host: host.into(),
            tls,
            shadowed: None,
            warnings: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_missing_socket_names_context_source_and_socket() {
        let err = connect_to(&endpoint("unix:///nonexistent/docker.sock", None))
            .await
            .expect_err("no socket");
        let text = err.to_string();
        assert!(
            text.contains(
                "context 'colima' (from DOCKER_CONTEXT) at unix:///nonexistent/docker.sock"
            ),
            "{text}"
        );
        assert!(text.contains("Fix:"), "{text}");
    }

    #[test]
    fn unusable_endpoints_say_why() {
        let skip = Tls {
            ca: None,
            cert: None,
            key: None,
            verify: false,
        };
        assert_eq!(ssh_port("ssh://me@build:2222"), Some("2222"));
        assert_eq!(ssh_port("ssh://me@[::1]:2222/"), Some("2222"));
        assert_eq!(ssh_port("ssh://me@build"), None);
        assert_eq!(ssh_port("ssh://build/"), None);
        let mut cases = vec![
            endpoint("ssh://me@build:2222", None),
            endpoint("tcp://10.0.0.5:2376", Some(skip.clone())),
            endpoint(
                "tcp://10.0.0.5:2376",
                Some(Tls {
                    verify: true,
                    ..skip
                }),
            ),
            endpoint("https://10.0.0.5:2376", None),
            endpoint("fd://", None),
        ];
        if cfg!(unix) {
            cases.push(endpoint("npipe:////./pipe/docker_engine", None));
        }
        for case in cases {
            let err = client_for(&case).expect_err("unsupported");
            assert!(
                matches!(err, DockerError::Unsupported { .. }),
                "{}: {err}",
                case.host
            );
        }
    }
}
