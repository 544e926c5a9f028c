//! stack-core: the part of stack-tui that does no I/O beyond reading a file it is handed. No
//! tokio, no Docker client, no terminal backend, no processes, no file watching: the compiler
//! keeps those in the `stack-tui` crate, and `clippy.toml` forbids spawning here.
//!
//! - `model`: what a container, a compose project and a profile are;
//! - `protocol`: the messages of the Docker worker and of the reload loop;
//! - `app`: the dashboard's state, its actions and the pure `update`, with `screen` (the one
//!   row and tab formula) and `views` (what the panels show, selected from the state);
//! - `logs`, `config`: the bounded log store and filters, the settings file with its keymap;
//! - `metrics`: request rates, latency and errors per service and app replica, CPU and memory
//!   history, and the health flags (OOM kill, restarts, crash loop, long unhealthy);
//! - `reload`: the decisions of hot reload (which part a path belongs to, which steps, when to
//!   pause a path that keeps changing);
//! - `audit`: the security rules and their reports;
//! - `drill`: the fault drills' catalogue, figures, pass/fail evaluation and reports;
//! - `backup`: backup folders' names, manifests, checksums and the version rule for restoring;
//! - `secrets`: which generated secret opens which store, and what a refusal means (drift);
//! - `image_source`: which image source made the data volumes, and whether `up` may switch.

pub mod app;
pub mod audit;
pub mod backup;
pub mod config;
pub mod drill;
pub mod image_source;
pub mod logs;
pub mod metrics;
pub mod model;
pub mod protocol;
pub mod reload;
pub mod secrets;
