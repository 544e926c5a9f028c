//! The admin listener: `GET /metrics` and `POST /admin/reload`. Never exposed publicly.

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

pub async fn handle(
    req: Request<Incoming>,
    served: Arc<Served>,
    metrics: Arc<Metrics>,
) -> Response<Body> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => respond(
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            metrics.render(),
        ),
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
