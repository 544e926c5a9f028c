//! The admin listener: `GET /metrics` and `POST /admin/reload`. Never exposed publicly.
//! And the read-only metrics listener (`--metrics`): `GET /metrics` only, so a scraper on the
//! container's network reads the counters without getting the right to reload.

use std::sync::Arc;

use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;

use super::body::{Body, full};
use crate::metrics::Metrics;
use crate::runtime::swap::{ReloadTrigger, Served};

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    resp
}

fn render_metrics(metrics: &Metrics) -> Response<Body> {
    respond(
        StatusCode::OK,
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
        metrics.render(),
    )
}

pub async fn handle(
    req: Request<Incoming>,
    served: Arc<Served>,
    metrics: Arc<Metrics>,
) -> Response<Body> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => render_metrics(&metrics),
        (&Method::POST, "/admin/reload") => match served.reload(ReloadTrigger::Admin).await {
            Ok(generation) => respond(
                StatusCode::OK,
                "application/json",
                serde_json::json!({ "reloaded": true, "generation": generation }).to_string(),
            ),
            Err(error) => respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                "application/json",
                serde_json::json!({
                    "reloaded": false,
                    "error": error,
                    "serving_generation": served.current().generation,
                })
                .to_string(),
            ),
        },
        (_, "/metrics" | "/admin/reload") => respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "method not allowed\n".into(),
        ),
        _ => respond(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
    }
}

/// The metrics listener: `GET` (and `HEAD`) `/metrics`; every other path is unknown here, the
/// admin paths included, so nothing reachable on it changes the server.
pub async fn handle_metrics_only(req: Request<Incoming>, metrics: Arc<Metrics>) -> Response<Body> {
    match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => render_metrics(&metrics),
        (_, "/metrics") => respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "method not allowed\n".into(),
        ),
        _ => respond(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
    }
}
