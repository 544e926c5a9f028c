//! Shared pieces of the stack tests (tests/stack_*.rs): bring a profile up under a project name of
//! its own on free loopback ports, talk to it over HTTP, read it through the Engine API, and take
//! it down with its volumes when the test ends, also when it fails.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary that includes this module uses a different subset of its helpers"
)]

pub mod checks;
pub mod engine;
pub mod host;
pub mod http;
pub mod stack;

pub use http::{Http, Reply};
pub use stack::{Profile, Stack};
