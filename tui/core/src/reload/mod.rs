//! The decisions of hot reload that need no I/O: `classify` maps a changed path to the part of the
//! stack it belongs to (`app_inputs` reads spin.toml's `watch` globs for the app), `plan` picks
//! the steps for a kind of change and profile, and `guard` pauses paths that keep re-triggering.

mod app_inputs;
mod classify;
mod guard;
mod plan;

pub use classify::{ChangeKind, ProjectLayout};
pub use guard::{Admission, LoopGuard};
pub use plan::{NoPlan, Step, plan_for};
