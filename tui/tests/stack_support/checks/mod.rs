//! Checks shared by the profile tests; each panics with a message naming what is wrong.

pub mod audit;
pub mod database;
pub mod drills;
pub mod readiness;
pub mod resilience;
pub mod security;
pub mod topology;
pub mod web;
