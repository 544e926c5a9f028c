//! Compiled-component cache: skips Cranelift on restart and on swapping back to a known build.
//!
//! Entries are keyed by the SHA-256 of the component bytes plus a hash of everything that makes
//! compiled code incompatible (wasmtime version and engine configuration).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components are kept.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
}

/// Whether a load paid for compilation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Compiled,
}

impl ComponentCache {
    /// `EDGE_HOST_COMPONENT_CACHE`, else `$XDG_CACHE_HOME/edge-host`, else `/tmp/edge-host-cache`.
    pub fn from_env() -> ComponentCache {
        let dir = std::env::var_os("EDGE_HOST_COMPONENT_CACHE")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("edge-host"))
            })
            .unwrap_or_else(|| PathBuf::from("/tmp/edge-host-cache"));
        ComponentCache { dir: Some(dir) }
    }

    /// The folder entries are kept in; `None` for a cache that compiles every time.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn key(engine: &Engine, bytes: &[u8]) -> String {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        format!("{}-{:016x}", sha256_hex(bytes), hasher.finish())
    }

    /// Compiles `bytes`, or loads the result of an earlier compile. Blocking: call off the runtime.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, bytes)?, CacheOutcome::Compiled));
        };
        let path = dir.join(format!("{}.cwasm", Self::key(engine, bytes)));
        if path.is_file() {
            match deserialize(engine, &path) {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), "ignoring unusable cache entry: {e}")
                }
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = store(dir, &path, &component) {
            tracing::warn!(dir = %dir.display(), "cannot write compiled-component cache: {e}");
        }
        Ok((component, CacheOutcome::Compiled))
    }
}

#[allow(
    unsafe_code,
    reason = "deserialize trusts its input; the cache directory is written only by edge-host, \
              and entries are keyed by content hash plus engine compatibility hash"
)]
fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the file was produced by `Component::serialize` of this same engine configuration
    // (the key includes the compatibility hash) and is replaced only by atomic rename.
    unsafe { Component::deserialize_file(engine, path) }
}

/// Writes an entry atomically (temp file + rename) so a concurrent reader never sees half of it.
fn store(dir: &Path, path: &Path, component: &Component) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = component.serialize()?;
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), rand_suffix()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn rand_suffix() -> u64 {
    let mut h = DefaultHasher::new();
    std::time::SystemTime::now().hash(&mut h);
    std::thread::current().id().hash(&mut h);
    h.finish()
}

/// SHA-256 of `bytes` as lowercase hex: the cache key's content part, and the digest
/// `/.well-known/spin/info` reports for each served file.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
