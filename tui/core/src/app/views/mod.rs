//! Selectors: what a panel shows, computed from the state alone, for the screen and for the
//! commands that act on what is shown.

pub mod logs;
pub mod metrics;
