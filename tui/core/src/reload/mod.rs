//! The decisions of hot reload that need no I/O: `classify` maps a changed path to the part of the
//! stack it belongs to (`app_inputs` reads spin.toml's `watch` globs for the app), `plan` picks
//! the steps for a kind of change and profile, `guard` pauses paths that keep re-triggering,
//! `build_commands` reads what spin.toml says builds the app, `table` says what each watched
//! file does, and `worker_room` whether nginx's container can start the workers a reload asks for.

mod app_inputs;
mod build_commands;
mod classify;
mod guard;
mod plan;
mod table;
mod worker_room;

pub use build_commands::{BuildCommand, build_commands};
pub use classify::{ChangeKind, ProjectLayout};
pub use guard::{Admission, LoopGuard};
pub use plan::{NoPlan, Step, plan_for};
pub use table::{RELOAD_TABLE, ReloadRow, markdown};
pub use worker_room::{PROBE as WORKER_ROOM_PROBE, WorkerRoom};
