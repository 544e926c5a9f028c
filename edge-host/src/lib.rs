//! edge-host: serves Spin HTTP components on wasmtime. See README.md.
//!
//! A library so that the binary (`main.rs`) and the benchmarks (`benches/`) drive the same
//! engine, loader and per-request store code.

pub mod check;
pub mod cli;
pub mod healthcheck;
pub mod host;
pub mod logging;
pub mod manifest;
pub mod metrics;
pub mod migrate;
pub mod runtime;
pub mod runtime_config;
pub mod serve;
