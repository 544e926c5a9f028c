//! Blocking HTTP for tests, with status codes as plain values: `Http` (ureq, URLs, TLS with a
//! given certificate) for talking to a stack, and `wire` for requests written byte by byte to a
//! loopback port, where a test needs exactly what goes over the connection.

pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// Response bodies larger than this are an error; the stack never sends anything near it.
const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;

/// What a request got back.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "expected a JSON body (status {}), got {:?}: {err}",
                self.status,
                self.text()
            )
        })
    }
}

/// Client with redirects off and statuses returned, not raised.
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
}

impl Http {
    /// A client for plain HTTP.
    pub fn plain(timeout: Duration) -> Self {
        Self::build(timeout, None)
    }

    /// A client that trusts exactly the given PEM certificate (the stack's self-signed one).
    pub fn trusting(timeout: Duration, cert_pem: &[u8]) -> Self {
        let cert = Certificate::from_pem(cert_pem)
            .expect("proxy-config/tls/cert.pem is a PEM certificate");
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::Specific(Arc::new(vec![cert])))
            .build();
        Self::build(timeout, Some(tls))
    }

    fn build(timeout: Duration, tls: Option<TlsConfig>) -> Self {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout));
        if let Some(tls) = tls {
            config = config.tls_config(tls);
        }
        Self {
            agent: config.build().into(),
        }
    }

    pub fn get(&self, url: &str) -> Result<Response, String> {
        let response = self
            .agent
            .get(url)
            .call()
            .map_err(|err| format!("GET {url}: {err}"))?;
        read(url, response)
    }

    /// Sends a body with the given content type (POST, PUT).
    pub fn send(
        &self,
        method: &str,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Response, String> {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", content_type)
            .body(body.to_vec())
            .map_err(|err| format!("{method} {url}: {err}"))?;
        let response = self
            .agent
            .run(request)
            .map_err(|err| format!("{method} {url}: {err}"))?;
        read(url, response)
    }

    pub fn delete(&self, url: &str) -> Result<Response, String> {
        let response = self
            .agent
            .delete(url)
            .call()
            .map_err(|err| format!("DELETE {url}: {err}"))?;
        read(url, response)
    }
}

fn read(url: &str, mut response: ureq::http::Response<ureq::Body>) -> Result<Response, String> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY_BYTES)
        .read_to_vec()
        .map_err(|err| format!("reading the body from {url}: {err}"))?;
    Ok(Response {
        status,
        headers,
        body,
    })
}
