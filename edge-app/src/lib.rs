//! edge-app: the stack's HTTP app as a Spin component.
//!
//! Everything that can be plain Rust (parsing, validation, routing) lives outside
//! `component`, so it builds and unit-tests natively; only the thin component
//! boundary is compiled for `wasm32`.

#[cfg(target_arch = "wasm32")]
mod component;
