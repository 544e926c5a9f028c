//! The harness shared by the workspace's tests and benches, so each helper exists once:
//!
//! - `free_port`, `wait_until`, `repo_root`;
//! - `http`: a blocking client (`Http`, with TLS) and hand-written requests (`http::wire`);
//! - `redis`, `postgres`: throwaway servers on free loopback ports, stopped by their guards;
//! - `tmux`: a terminal program driven through a detached tmux session;
//! - with the `stack` feature, `stack`, `engine`, `host` and `docker_cli`: one profile of the stack brought
//!   up under compose for a test, read through the Engine API and taken down with its volumes.

pub mod http;
pub mod postgres;
pub mod redis;
pub mod tmux;

mod ports;
mod repo;
mod wait;

#[cfg(feature = "stack")]
pub mod docker_cli;
#[cfg(feature = "stack")]
pub mod engine;
#[cfg(feature = "stack")]
pub mod host;
#[cfg(feature = "stack")]
pub mod stack;

pub use ports::free_port;
pub use repo::repo_root;
pub use wait::wait_until;
