//! One normalised view of a service, whether it was read from the profile's files (the merged
//! compose model) or from a running container. Every rule looks only at this, so the two sources
//! are judged by the same code.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the rules see of one service (files) or one container (runtime).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    pub service: String,
    /// The container's name when the subject is a running container.
    pub container: Option<String>,
    pub image: Option<String>,
    /// Built by the project (`build:`) or, at runtime, an image with no registry digest.
    pub built_here: bool,
    pub user: Option<String>,
    /// At runtime: the main process's effective uid and capabilities, read from `/proc`.
    pub effective_uid: Option<u32>,
    pub effective_caps: Option<u64>,
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub security_opt: Vec<String>,
    pub read_only: bool,
    /// Targets of tmpfs mounts.
    pub tmpfs: Vec<String>,
    pub mounts: Vec<Mount>,
    /// Host device paths passed through.
    pub devices: Vec<String>,
    pub namespaces: Namespaces,
    pub ports: Vec<Port>,
    /// Compose network names (`backend`), not the engine's (`stack-prod_backend`).
    pub networks: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// Entrypoint and command, as far as the source knows them.
    pub command: Vec<String>,
    pub healthcheck: Healthcheck,
    pub limits: Limits,
    pub restart: Option<String>,
    pub logging: Logging,
    pub labels: BTreeMap<String, String>,
    /// Secret files and PEM files the service gets from the host.
    pub files: Vec<FileFact>,
}

impl Subject {
    /// A service that runs to completion (a migration job): it exits by design, so restart
    /// policies and healthchecks do not apply to it.
    pub fn is_one_shot(&self) -> bool {
        crate::model::container::is_one_shot_label(
            self.labels
                .get(crate::model::container::ONE_SHOT_LABEL)
                .map(String::as_str),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MountKind {
    Bind,
    #[default]
    Volume,
    Tmpfs,
    Other,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    pub kind: MountKind,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub propagation: Option<String>,
}

/// `host` or `container:x` modes; `None` is the private default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    pub network: Option<String>,
    pub pid: Option<String>,
    pub ipc: Option<String>,
    pub uts: Option<String>,
    pub userns: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Empty when compose or the engine binds every interface.
    pub host_ip: String,
    pub published: Option<u16>,
    pub target: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Healthcheck {
    #[default]
    Missing,
    Disabled,
    Present,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    pub memory_bytes: Option<u64>,
    pub cpus: Option<f64>,
    pub pids: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logging {
    /// `None`: the daemon's default driver (json-file unless the daemon says otherwise).
    pub driver: Option<String>,
    pub max_size: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFact {
    pub path: PathBuf,
    /// Permission bits (e.g. 0o600).
    pub mode: u32,
    pub kind: FileKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    Secret,
    /// A certificate, with its expiry as unix seconds.
    Certificate {
        not_after: i64,
    },
    PrivateKey,
}

/// What the rules need to know beyond one service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// Compose network name → internal.
    pub internal_networks: BTreeMap<String, bool>,
    /// Unix seconds, for certificate expiry.
    pub now: i64,
}

impl Context {
    pub fn is_internal(&self, network: &str) -> bool {
        self.internal_networks.get(network) == Some(&true)
    }
}

impl Subject {
    /// Capability names as the engine spells them: upper case, without `CAP_`.
    pub fn normalised_caps(caps: &[String]) -> Vec<String> {
        caps.iter()
            .map(|cap| {
                let upper = cap.trim().to_ascii_uppercase();
                upper
                    .strip_prefix("CAP_")
                    .map(str::to_string)
                    .unwrap_or(upper)
            })
            .collect()
    }
}
