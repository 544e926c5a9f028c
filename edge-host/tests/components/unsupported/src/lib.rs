//! Imports `fermyon:spin/llm@2.0.0`, which edge-host does not implement.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::http_component;
use spin_sdk::llm;

#[http_component]
fn handle(_req: Request) -> anyhow::Result<impl IntoResponse> {
    let answer = llm::infer(llm::InferencingModel::Llama2Chat, "hi")
        .map(|r| r.text)
        .unwrap_or_else(|e| format!("{e:?}"));
    Ok(Response::new(200, answer))
}
