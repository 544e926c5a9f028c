//! One HTTP request: built-in endpoints, routing, a fresh `Store` per request, limits, logging.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

use super::access_log::{AccessEntry, AccessLog};
use super::body::{Body, CappedBody, full};
use super::request_id;
use super::spin_headers::{self, RequestInfo};
use crate::host::Shared;
use crate::metrics::Metrics;
use crate::runtime::engine::Limits;
use crate::runtime::instance::new_store;
use crate::runtime::loader::{LoadedComponent, ServedApp};
use crate::runtime::swap::Served;

pub struct Handler {
    pub served: Arc<Served>,
    pub shared: Arc<Shared>,
    pub limits: Limits,
    pub access_log: AccessLog,
}

fn problem(status: StatusCode, detail: &str) -> Response<Body> {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut resp = Response::new(full(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    resp
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp
}

/// Whether a guest failed only because the instance pool (`--max-instances`) had no free slot;
/// `is` looks through every context the error picked up on the way.
fn is_pool_exhausted(error: &wasmtime::Error) -> bool {
    error.is::<wasmtime::PoolConcurrencyLimitError>()
}

/// Whether the guest was stopped at its deadline (the request timeout) rather than failing.
fn is_past_deadline(error: &wasmtime::Error) -> bool {
    error.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt)
}

/// Counts an instance as live until dropped, also when its task is aborted.
struct LiveInstance(Arc<Metrics>);

impl LiveInstance {
    fn new(metrics: Arc<Metrics>) -> LiveInstance {
        metrics.instance_started();
        LiveInstance(metrics)
    }
}

impl Drop for LiveInstance {
    fn drop(&mut self) {
        self.0.instance_ended();
    }
}

/// Labels for the access log and metrics.
struct Outcome {
    route: String,
    component: String,
    generation: u64,
}

impl Handler {
    pub async fn handle(
        self: Arc<Self>,
        mut req: Request<Incoming>,
        client: SocketAddr,
    ) -> Response<Body> {
        let started = Instant::now();
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let request_id = request_id::ensure(req.headers_mut());
        let (mut resp, outcome) = self.dispatch(req, client).await;
        request_id::answer(resp.headers_mut(), &request_id);
        let seconds = started.elapsed().as_secs_f64();
        let status = resp.status().as_u16();
        self.shared.metrics.request(&outcome.route, status, seconds);
        self.access_log.log(&AccessEntry {
            ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            method: &method,
            path: &path,
            route: &outcome.route,
            component: &outcome.component,
            status,
            duration_ms: (seconds * 1_000_000.0).round() / 1000.0,
            client: client.to_string(),
            generation: outcome.generation,
            request_id: &request_id.id,
        });
        resp
    }

    async fn dispatch(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
    ) -> (Response<Body>, Outcome) {
        let app = self.served.current();
        let mut outcome = Outcome {
            route: String::new(),
            component: String::new(),
            generation: app.generation,
        };
        let path = req.uri().path().to_string();
        if let Some(resp) = self.builtin(&path, &app) {
            outcome.route = path;
            return (resp, outcome);
        }
        let Some(m) = app.app.router.route(&path) else {
            outcome.route = "(none)".to_string();
            return (text(StatusCode::NOT_FOUND, "Not Found"), outcome);
        };
        outcome.route = m.raw_route.clone();
        outcome.component = m.component.clone();
        let Some(component) = app.components.get(&m.component) else {
            return (
                problem(StatusCode::INTERNAL_SERVER_ERROR, "route has no component"),
                outcome,
            );
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.limits.max_body_bytes) {
            let detail = format!("request body exceeds {} bytes", self.limits.max_body_bytes);
            return (problem(StatusCode::PAYLOAD_TOO_LARGE, &detail), outcome);
        }
        let Some(host) = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
        else {
            return (
                problem(StatusCode::BAD_REQUEST, "missing Host header"),
                outcome,
            );
        };
        let full_url = format!(
            "http://{host}{}",
            req.uri().path_and_query().map_or("/", |p| p.as_str())
        );
        let (mut parts, body) = req.into_parts();
        spin_headers::apply(
            &mut parts.headers,
            &RequestInfo {
                route: &m,
                full_url: &full_url,
                base: &app.app.base,
                client,
            },
        );
        let req = Request::from_parts(parts, CappedBody::new(body, self.limits.max_body_bytes));
        (self.run_guest(component, req).await, outcome)
    }

    fn builtin(&self, path: &str, app: &ServedApp) -> Option<Response<Body>> {
        match path {
            "/.well-known/spin/health" => Some(text(StatusCode::OK, "OK")),
            "/.well-known/spin/info" => {
                let components: serde_json::Map<String, serde_json::Value> = app
                    .components
                    .iter()
                    .map(|(id, c)| {
                        (
                            id.clone(),
                            serde_json::json!({"source_sha256": c.source_sha256}),
                        )
                    })
                    .collect();
                let info = serde_json::json!({
                    "name": app.app.name,
                    "version": app.app.version,
                    "host": "edge-host",
                    "host_version": env!("CARGO_PKG_VERSION"),
                    "generation": app.generation,
                    "manifest_sha256": app.manifest_sha256,
                    "components": components,
                    "last_reload_error": self.served.last_error(),
                });
                let mut resp = Response::new(full(info.to_string()));
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("application/json"),
                );
                Some(resp)
            }
            _ => None,
        }
    }

    async fn run_guest(
        &self,
        component: &LoadedComponent,
        req: Request<CappedBody>,
    ) -> Response<Body> {
        let pre = component.pre.clone();
        let mut store = new_store(component, &self.shared, &self.limits);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let prepared = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .and_then(|req| Ok((req, store.data_mut().http().new_response_outparam(sender)?)));
        let (req, out) = match prepared {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!("cannot hand request to guest: {e:#}");
                return problem(StatusCode::BAD_REQUEST, "malformed request");
            }
        };
        let metrics = self.shared.metrics.clone();
        let task = tokio::task::spawn(async move {
            let _live = LiveInstance::new(metrics);
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await
        });
        let abort = task.abort_handle();
        match tokio::time::timeout(self.limits.request_timeout, receiver).await {
            Ok(Ok(Ok(resp))) => resp,
            Ok(Ok(Err(code))) => {
                tracing::warn!("guest failed the request: {code:?}");
                problem(StatusCode::INTERNAL_SERVER_ERROR, "component failed")
            }
            Ok(Err(_)) => {
                let (detail, pool_full, past_deadline) = match task.await {
                    Ok(Ok(())) => (
                        "component returned without a response".to_string(),
                        false,
                        false,
                    ),
                    Ok(Err(e)) => (
                        format!("{e:#}"),
                        is_pool_exhausted(&e),
                        is_past_deadline(&e),
                    ),
                    Err(e) => (e.to_string(), false, false),
                };
                tracing::warn!("guest error: {detail}");
                if pool_full {
                    return problem(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "too many requests in flight",
                    );
                }
                if past_deadline {
                    return problem(
                        StatusCode::GATEWAY_TIMEOUT,
                        "component did not answer in time",
                    );
                }
                problem(StatusCode::INTERNAL_SERVER_ERROR, "component failed")
            }
            Err(_) => {
                abort.abort();
                problem(
                    StatusCode::GATEWAY_TIMEOUT,
                    "component did not answer in time",
                )
            }
        }
    }
}
