//! Shared pieces of the hot-reload tests: a scratch copy of the project brought up as its own
//! compose project (edits never touch the real tree), and `stack-tui watch` running against it.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different subset of these helpers"
)]

pub mod scratch;
pub mod watcher;

pub use scratch::Scratch;
pub use watcher::Watch;
