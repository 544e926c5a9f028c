//! The Compose CLI driver: which profiles a project has, how to invoke `docker compose` for one,
//! the merged model from `docker compose config --format json`, the preparation script, and
//! the image-source check that runs between them and `up`.

mod cli;
pub mod image_source;
pub mod overlays;
mod prepare;

pub use cli::{Compose, Output, detect_version};
pub use image_source::refuse_other_source;
pub use prepare::prepare;
