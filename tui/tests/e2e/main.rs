//! End to end, in one binary: the dashboard in a real terminal against the real local stack, and
//! a fresh clone's `.ci/up` with nothing but what running needs.

#[path = "../reload_support/mod.rs"]
mod reload_support;

mod tmux;
mod up_fresh_clone;
