//! edge-app: the stack's HTTP app as a Spin component.
//!
//! Everything that can be plain Rust (parsing, validation, routing, JSON shapes,
//! cache and SQL logic) lives outside `component`, so it builds and unit-tests
//! natively. Dependencies are reached through the traits in [`deps`]; only the
//! thin component boundary, which implements them over the Spin host
//! interfaces, is compiled for `wasm32`.

pub mod app;
pub mod calendar;
pub mod deps;
pub mod item;
pub mod keys;
pub mod mood;
pub mod pagination;
pub mod pg_store;
pub mod problem;
pub mod query;
pub mod reply;
pub mod request;
pub mod routes;
pub mod settings;

#[cfg(test)]
mod testing;

#[cfg(target_arch = "wasm32")]
mod component;
