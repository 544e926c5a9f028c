//! stack-tui: a terminal dashboard and CLI for a containerized web stack with local, dev and prod
//! profiles. The folders read like the program: `app` (state, actions, pure update), `ui` (one file
//! per panel), `docker` (Engine API worker), `compose` (Compose CLI driver and profiles), `logs`
//! (bounded log store and filters), `config`, `audit` (security rules and reports), `commands` (the
//! CLI) and `runtime` (the event loop, and the gathering that needs several of the above).

pub mod cli;
pub mod commands;
pub mod compose;
pub mod docker;
pub mod export;
pub mod paths;
pub mod reload;
pub mod runtime;
pub mod telemetry;
pub mod ui;
