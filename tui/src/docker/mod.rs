//! Everything that talks to the Docker Engine API: connecting, one-shot queries for the CLI,
//! and the worker that feeds the dashboard.

mod app_metrics;
pub mod app_probe;
pub mod audit;
mod client;
pub mod command;
pub mod convert;
pub mod endpoint;
mod events;
pub mod exec;
pub mod exec_input;
mod follow;
mod handoff;
pub mod nginx;
mod query;
mod readiness_probes;
mod replica_tasks;
mod session;
mod volume_file;
mod worker;

pub use client::{DockerError, connect, connect_to};
pub use query::{
    LogRange, container_snapshot, container_starts, project_networks, project_snapshots,
    running_config_hashes, stream_logs,
};
pub use volume_file::{VolumeFile, read_volume_files};
pub use worker::{WorkerHandle, spawn_worker};
