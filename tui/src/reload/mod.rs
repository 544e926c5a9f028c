//! Hot reload: watch the project's files, decide what a change means, and keep reload loops in check.
//!
//! `classify` maps a changed path to the part of the stack it belongs to, `watcher` turns debounced
//! filesystem events into one [`Trigger`] per part, and `guard` pauses paths that keep re-triggering.

mod classify;
mod guard;
mod watcher;

pub use classify::{ChangeKind, ProjectLayout};
pub use guard::{Admission, LoopGuard};
pub use watcher::{DEFAULT_DEBOUNCE, ProjectWatcher, Trigger, WatchError, WatchEvent};
