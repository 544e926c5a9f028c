//! `edge-host healthcheck URL`: a tiny HTTP/1.1 GET so container images need no curl.

use std::time::Duration;

use anyhow::{Context, bail};
use http::{Request, Uri, header};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A 2xx answer: `URL: STATUS`, and the body as text.
pub struct Answer {
    pub status_line: String,
    pub body: String,
}

/// Longest body read: enough for any status or info document, bounded for a misbehaving server.
const MAX_BODY: usize = 1024 * 1024;

/// Returns the answer on 2xx, an error naming what failed otherwise.
pub async fn run(url: &str, timeout: Duration) -> anyhow::Result<Answer> {
    tokio::time::timeout(timeout, get(url))
        .await
        .with_context(|| format!("{url}: no answer within {} ms", timeout.as_millis()))?
}

async fn get(url: &str) -> anyhow::Result<Answer> {
    let uri: Uri = url
        .parse()
        .with_context(|| format!("{url:?} is not a URL"))?;
    if uri.scheme_str() != Some("http") {
        bail!("{url}: only http:// URLs are supported");
    }
    let host = uri.host().with_context(|| format!("{url}: no host"))?;
    let port = uri.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host, port))
        .await
        .with_context(|| format!("{url}: cannot connect"))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let authority = uri.authority().map_or(host.to_string(), |a| a.to_string());
    let req = Request::get(path)
        .header(header::HOST, authority)
        .header(header::USER_AGENT, "edge-host-healthcheck")
        .body(Empty::<bytes::Bytes>::new())?;
    let resp = sender
        .send_request(req)
        .await
        .with_context(|| format!("{url}: request failed"))?;
    let status = resp.status();
    if !status.is_success() {
        bail!("{url}: unhealthy, status {status}");
    }
    let body = http_body_util::Limited::new(resp.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("{url}: cannot read the body: {e}"))?
        .to_bytes();
    Ok(Answer {
        status_line: format!("{url}: {status}"),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
