//! The component boundary: the exported `wasi:http/incoming-handler`. It maps
//! the Spin request to plain data, streams the body under the size cap, wires
//! the Spin host interfaces into [`crate::app::Services`] and maps the reply back.
#![allow(
    unsafe_code,
    reason = "#[http_component] expands to the exported component ABI, which needs unsafe"
)]

mod clock;
mod kv;
mod postgres;
mod redis;

use futures_util::StreamExt;
use spin_sdk::http::{IncomingRequest, Method as SpinMethod, Response};
use spin_sdk::http_component;

use crate::app::{Services, respond};
use crate::pg_store::PgItemStore;
use crate::problem::Problem;
use crate::reply::Reply;
use crate::request::{MAX_BODY_BYTES, Method, RequestHead, append_bounded};
use crate::routes::route;
use crate::settings::Settings;

#[http_component]
async fn handle(request: IncomingRequest) -> Response {
    let head = request_head(&request);
    let endpoint = match route(&head) {
        Ok(endpoint) => endpoint,
        Err(problem) => return into_response(problem.into_reply()),
    };
    let body = if endpoint.takes_json_body() {
        match read_body(request).await {
            Ok(body) => body,
            Err(problem) => return into_response(problem.into_reply()),
        }
    } else {
        Vec::new()
    };

    let settings = Settings::from_lookup(|name| spin_sdk::variables::get(name).ok());
    let instance = std::env::var("HOSTNAME")
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    let clock = clock::SystemClock::new();
    let mut cache = redis::SpinCache::new(&settings.redis_address);
    let mut items = PgItemStore::new(postgres::SpinSql::new(&settings.pg_address));
    let mut kv = kv::SpinKv::default();
    let mut services = Services {
        settings: &settings,
        instance: &instance,
        cache: &mut cache,
        items: &mut items,
        kv: &mut kv,
        clock: &clock,
        seed: clock::random_seed(),
    };
    into_response(respond(endpoint, &body, &mut services))
}

fn request_head(request: &IncomingRequest) -> RequestHead {
    let method = match request.method() {
        SpinMethod::Get => Method::Get,
        SpinMethod::Post => Method::Post,
        SpinMethod::Put => Method::Put,
        SpinMethod::Delete => Method::Delete,
        other => Method::Other(other.to_string()),
    };
    let target = request.path_with_query().unwrap_or_else(|| "/".to_owned());
    let mut head = RequestHead::new(method, &target);
    let headers = request.headers();
    let first = |name: &str| {
        headers
            .get(name)
            .into_iter()
            .next()
            .map(|value| String::from_utf8_lossy(&value).into_owned())
    };
    head.content_type = first("content-type");
    head.content_length = first("content-length");
    head
}

/// Reads the body, refusing (413) as soon as it grows past the cap.
async fn read_body(request: IncomingRequest) -> Result<Vec<u8>, Problem> {
    let mut body = Vec::new();
    let mut stream = request.into_body_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            Problem::malformed_json(format!("the request body could not be read: {err:?}"))
        })?;
        append_bounded(&mut body, &chunk, MAX_BODY_BYTES)?;
    }
    Ok(body)
}

fn into_response(reply: Reply) -> Response {
    let mut builder = Response::builder();
    builder.status(reply.status);
    for (name, value) in reply.headers {
        builder.header(name, value);
    }
    builder.body(reply.body).build()
}
