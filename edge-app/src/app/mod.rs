//! The app's behaviour: one function from a routed request to a reply, over
//! the dependency traits. No I/O happens here except through those traits.

mod debug;
mod health;
mod items;
mod mood;
mod root;

use crate::deps::{Cache, Clock, ItemStore, KeyValue};
use crate::problem::Problem;
use crate::reply::Reply;
use crate::request::{MAX_BODY_BYTES, RequestHead};
use crate::routes::{Endpoint, route};
use crate::settings::Settings;

/// Header telling whether a read was served from Redis: `hit`, `miss` or `bypass`.
pub const CACHE_HEADER: &str = "x-cache";

/// Everything a handler may use for one request.
pub struct Services<'a> {
    pub settings: &'a Settings,
    /// Instance id (the WASI `HOSTNAME`, or "unknown").
    pub instance: &'a str,
    pub cache: &'a mut dyn Cache,
    pub items: &'a mut dyn ItemStore,
    pub kv: &'a mut dyn KeyValue,
    pub clock: &'a dyn Clock,
    /// Fresh randomness for this request (mood choice).
    pub seed: u64,
}

/// Answers a routed request. `body` is the full request body (only read for
/// endpoints that take one, and already capped at [`MAX_BODY_BYTES`]).
pub fn respond(endpoint: Endpoint, body: &[u8], services: &mut Services<'_>) -> Reply {
    match endpoint {
        Endpoint::Root => root::index(services),
        Endpoint::Health => health::live(),
        Endpoint::Ready => health::ready(services),
        Endpoint::Detailed => health::detailed(services),
        Endpoint::ListItems(query) => items::list(&query, services),
        Endpoint::CreateItem => items::create(body, services),
        Endpoint::GetItem(id) => items::get(id, services),
        Endpoint::UpdateItem(id) => items::update(id, body, services),
        Endpoint::DeleteItem(id) => items::delete(id, services),
        Endpoint::Mood => mood::today(services),
        Endpoint::RefreshMood => mood::refresh(services),
        Endpoint::LastMood => mood::last(services),
        Endpoint::Busy => debug::busy(services),
    }
}

/// Routes and answers a request whose body is already in memory (the
/// component streams the body itself; this is the same pipeline for tests).
pub fn handle(head: &RequestHead, body: &[u8], services: &mut Services<'_>) -> Reply {
    let endpoint = match route(head) {
        Ok(endpoint) => endpoint,
        Err(problem) => return problem.into_reply(),
    };
    if body.len() > MAX_BODY_BYTES {
        return Problem::body_too_large(MAX_BODY_BYTES).into_reply();
    }
    respond(endpoint, body, services)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
