//! Hot reload: watch the project's files, decide what a change means, and carry it out.
//!
//! `classify` maps a changed path to the part of the stack it belongs to, `watcher` turns
//! debounced filesystem events into one [`Trigger`] per part (`burst` merges a burst that the
//! debouncer split), `guard` pauses paths that keep re-triggering, `plan` picks the steps for a
//! kind of change and profile, `steps` carries them out, `runner` ties it together, reporting a
//! timeline of [`ReloadEvent`]s, and `session` is the loop that `stack-tui watch` and the
//! dashboard both run; `trigger` lets `stack-tui reload` reach it from another shell.

mod burst;
mod runner;
mod session;
mod steps;
pub mod trigger;
mod watcher;

pub use runner::Reloader;
pub use session::watch_session;
pub use steps::{StepContext, StepFailed};
pub use watcher::{DEFAULT_DEBOUNCE, ProjectWatcher, WatchError, WatchEvent};
