//! Hot reload: watch the project's files and carry out what a change means. The decisions
//! (which part a path belongs to, which steps, when a path is paused) are stack-core's
//! `reload`; this is the I/O around them.
//!
//! `watcher` turns debounced filesystem events into one
//! [`Trigger`](stack_core::protocol::reload::Trigger) per part (`burst` merges a burst that the
//! debouncer split), `steps` carries the steps out, `runner` ties it together, reporting a
//! timeline of [`ReloadEvent`](stack_core::protocol::reload::ReloadEvent)s, `supersede` lets a newer
//! save cancel a build in progress, and `session` is the loop that `stack-tui watch` and the
//! dashboard both run; `trigger` lets `stack-tui reload`
//! reach it from another shell.

mod burst;
mod runner;
mod session;
mod steps;
mod supersede;
pub mod trigger;
mod watcher;

pub use runner::Reloader;
pub use session::watch_session;
pub use steps::{StepContext, StepFailed};
pub use watcher::{DEFAULT_DEBOUNCE, ProjectWatcher, WatchError, WatchEvent};
