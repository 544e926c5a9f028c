//! The component boundary: the exported `wasi:http/incoming-handler`.
#![allow(
    unsafe_code,
    reason = "#[http_component] expands to the exported component ABI, which needs unsafe"
)]

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(_req: Request) -> anyhow::Result<impl IntoResponse> {
    Ok(Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body("edge-app")
        .build())
}
