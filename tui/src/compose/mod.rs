//! The Compose CLI driver: which profiles a project has, how to invoke `docker compose` for one,
//! and the merged model from `docker compose config --format json`.

mod cli;
mod error;
mod model;
mod profile;

pub use cli::{Compose, Output, detect_version};
pub use error::ComposeError;
pub use model::{
    BindMount, ComposeModel, ConfiguredPort, DATA_STORE_NAMES, NetworkModel, ServiceModel,
};
pub use profile::{Layout, Profile, is_protected};

/// The base compose file, relative to the project root.
pub fn profile_base_file() -> &'static str {
    profile::BASE_FILE
}
