//! The wasmtime side: engine configuration, the compiled-component cache, and loading an
//! application into something servable.

pub mod cache;
pub mod engine;
pub mod function_cache;
pub mod instance;
pub mod loader;
pub mod swap;
