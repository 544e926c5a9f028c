//! Answers every request with a greeting fixed at build time; imports nothing from Spin.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;

#[cfg(not(feature = "alt"))]
const GREETING: &str = "hello from build A";
#[cfg(feature = "alt")]
const GREETING: &str = "hello from build B";

#[http_component]
fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    let info = req
        .header("spin-path-info")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let mut builder = Response::builder();
    builder.status(200).header("content-type", "text/plain").header("x-path-info", info);
    Ok(builder.body(GREETING).build())
}
