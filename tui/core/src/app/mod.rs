//! The dashboard's state, the actions that change it and the pure `update` that does so.

mod action;
pub mod activity;
pub mod audit;
mod commands;
mod docker;
pub mod drills;
mod input;
mod logs;
pub mod metrics;
pub mod profiles;
mod readiness;
pub mod reload;
pub mod screen;
pub mod services;
mod state;
mod tasks;
pub mod topology;
mod update;
pub mod views;

pub use action::{Action, ComposeOp, Effect};
pub use activity::{Activity, ActivityEntry, ActivityKind};
pub use screen::visible_rows;
pub use state::{
    Confirm, Connection, DaemonContext, LogView, Mode, Panel, ReplicaReadiness, RequestView,
    SortKey, State,
};
pub use update::update;
