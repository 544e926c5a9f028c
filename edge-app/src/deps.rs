//! The app's view of its dependencies. The component implements these traits
//! over the Spin host interfaces; unit tests implement them with in-memory fakes.

use std::fmt;

use crate::item::{Item, ItemInput};

/// The outside services the app talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Redis,
    Postgres,
    KeyValue,
}

impl Dependency {
    /// Name used in JSON (`dependency`, health reports).
    pub fn name(self) -> &'static str {
        match self {
            Self::Redis => "redis",
            Self::Postgres => "postgres",
            Self::KeyValue => "key-value",
        }
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a failure means "cannot reach it", "it is reachable but has no capacity for us right
/// now" (worth retrying shortly) or "it refused what we sent".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Unavailable,
    Overloaded,
    Rejected,
}

/// A failed call to a dependency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{dependency} {}: {message}", match kind { FailureKind::Unavailable => "unavailable", FailureKind::Overloaded => "overloaded", FailureKind::Rejected => "rejected the request" })]
pub struct DepError {
    pub dependency: Dependency,
    pub kind: FailureKind,
    pub message: String,
}

impl DepError {
    pub fn unavailable(dependency: Dependency, message: impl Into<String>) -> Self {
        Self {
            dependency,
            kind: FailureKind::Unavailable,
            message: message.into(),
        }
    }

    pub fn overloaded(dependency: Dependency, message: impl Into<String>) -> Self {
        Self {
            dependency,
            kind: FailureKind::Overloaded,
            message: message.into(),
        }
    }

    pub fn rejected(dependency: Dependency, message: impl Into<String>) -> Self {
        Self {
            dependency,
            kind: FailureKind::Rejected,
            message: message.into(),
        }
    }
}

/// Redis, as the app uses it.
pub trait Cache {
    fn ping(&mut self) -> Result<(), DepError>;
    fn incr(&mut self, key: &str) -> Result<i64, DepError>;
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, DepError>;
    /// `SET key value EX ttl`.
    fn set_with_ttl(&mut self, key: &str, value: &[u8], ttl_seconds: u64) -> Result<(), DepError>;
    /// `SET key value NX EX ttl`; true when this call stored the value.
    fn set_new_with_ttl(
        &mut self,
        key: &str,
        value: &[u8],
        ttl_seconds: u64,
    ) -> Result<bool, DepError>;
    fn delete(&mut self, key: &str) -> Result<(), DepError>;
}

/// The items table.
pub trait ItemStore {
    fn ping(&mut self) -> Result<(), DepError>;
    /// Number of items whose name matches `pattern` (an ILIKE pattern), or all.
    fn count(&mut self, pattern: Option<&str>) -> Result<i64, DepError>;
    fn list(
        &mut self,
        pattern: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Item>, DepError>;
    fn get(&mut self, id: i64) -> Result<Option<Item>, DepError>;
    fn insert(&mut self, input: &ItemInput) -> Result<Item, DepError>;
    fn update(&mut self, id: i64, input: &ItemInput) -> Result<Option<Item>, DepError>;
    /// True when a row was deleted.
    fn delete(&mut self, id: i64) -> Result<bool, DepError>;
}

/// The Spin key-value store "default".
pub trait KeyValue {
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, DepError>;
    fn set(&mut self, key: &str, value: &[u8]) -> Result<(), DepError>;
}

/// Time sources: wall clock for dates, monotonic for latencies.
pub trait Clock {
    fn unix_seconds(&self) -> i64;
    fn monotonic_nanos(&self) -> u64;
}
