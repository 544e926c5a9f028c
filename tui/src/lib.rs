//! stack-tui: a terminal dashboard and CLI for a containerized web stack with local, dev and prod
//! profiles. The logic that needs no I/O (state, update, models, messages, logs, config, audit,
//! reload decisions) is the `stack-core` crate; this crate does the I/O around it. The folders
//! are layered, each using only those after it (a test checks the import graph for cycles):
//!
//! - `cli` (the flags) and `commands` (one module per subcommand);
//! - `runtime`: the dashboard's event loop, the effects it runs and the gathering that needs
//!   several of the folders below;
//! - `ui` (one file per panel), `docker` (the Engine API worker and queries, the only bollard
//!   user), `compose` (the Compose CLI driver and the preparation script), `reload` (the watcher,
//!   the reload loop and its steps), `export` (Kubernetes and OCI image), `drill` (fault drills:
//!   the client load, the faults and their heal), `backup` (backups and restores of the data);
//! - `paths` and `telemetry`.

pub mod backup;
pub mod cli;
pub mod commands;
pub mod compose;
pub mod docker;
pub mod drill;
pub mod export;
pub mod paths;
pub mod reload;
pub mod runtime;
pub mod telemetry;
pub mod ui;
