//! `stack-tui audit`: the security checks of a profile, from its files (the merged compose model)
//! and from its running containers, in one report.
//!
//! - `subject`: the one view of a service both sources produce; `from_files` builds it from
//!   `docker compose config --format json`, `docker::audit` from `docker inspect` and `/proc`.
//! - `rules/`: the catalogue, pure checks over a subject; `drift`: files vs containers.
//! - `host_files`: secret and PEM files a service gets from the host (modes, expiry).
//! - `suppress`: `<profile>/audit-ignore.toml`; `report`: assembly; `output/`: text, JSON, SARIF.
//!
//! Gathering the inputs (compose, the engine) happens in `runtime::audit`.

pub mod finding;
pub mod from_files;
pub mod host_files;
pub mod output;
pub mod report;
pub mod rules;
pub mod subject;
pub mod suppress;

mod drift;

pub use finding::{Finding, Origin, Severity, Suppressed};
pub use report::{Inputs, Report};
