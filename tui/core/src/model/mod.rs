//! What the stack is made of, as the dashboard and the CLI see it.

pub mod compose;
pub mod container;
pub mod error;
pub mod policy;
pub mod profile;
pub mod readiness;

pub use compose::{
    APP_ROLE, BindMount, ComposeModel, ConfiguredPort, DATA_STORE_NAMES, MIGRATIONS_ROLE,
    NetworkModel, ROLE_LABEL, ServiceModel,
};
pub use error::ComposeError;
pub use policy::{DEFAULT_PROFILE, ProfilePolicy, is_protected};
pub use profile::{Layout, Profile};
