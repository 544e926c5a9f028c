//! An HTTP/1.1 accept loop with graceful drain, shared by the app and admin listeners.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::body::Body;

/// Slow clients get this long to send their request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `shutdown` turns true, then stops accepting and waits up to `drain` for
/// in-flight requests to finish.
pub async fn serve<H, F>(
    name: &'static str,
    listener: TcpListener,
    handler: H,
    mut shutdown: watch::Receiver<bool>,
    drain: Duration,
) where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => Some(accepted),
            _ = shutdown.wait_for(|stop| *stop) => None,
        };
        let Some(accepted) = accepted else { break };
        match accepted {
            Ok((stream, client)) => {
                let handler = handler.clone();
                let service = service_fn(move |req| {
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler(req, client).await) }
                });
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%client, "connection ended with error: {e}");
                    }
                });
            }
            Err(e) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(listener = name, "accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    drop(listener);
    tracing::info!(listener = name, "draining in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!(listener = name, "drained"),
        () = tokio::time::sleep(drain) => {
            tracing::warn!(listener = name, "drain timeout reached, closing remaining connections");
        }
    }
}
