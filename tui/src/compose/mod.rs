//! The Compose CLI driver: which profiles a project has, how to invoke `docker compose` for one,
//! and the merged model from `docker compose config --format json`.

mod cli;

pub use cli::{Compose, Output, detect_version};
