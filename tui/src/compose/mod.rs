//! The Compose CLI driver: which profiles a project has, how to invoke `docker compose` for one,
//! the merged model from `docker compose config --format json`, and the preparation script.

mod cli;
mod prepare;

pub use cli::{Compose, Output, detect_version};
pub use prepare::prepare;
