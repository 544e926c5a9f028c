//! `fermyon:spin/key-value@2.0.0`: the stores a component lists in `key_value_stores`, each in
//! memory, in a SQLite file or in Redis as the runtime config says (`runtime_config.rs`).
//!
//! Without a runtime config only `default` exists, in memory (lost on exit, one per process).
//! Every store is bounded: keys up to 256 bytes, values up to 1 MiB, and an in-memory store
//! up to 64 MiB in total.

mod memory;
mod redis_store;
mod sqlite_store;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Resource;

use super::HostState;
use super::fermyon::spin::key_value::{Error, Host, HostStore};
use crate::runtime_config::StoreConfig;
use memory::MemoryStore;
use redis_store::RedisStore;
use sqlite_store::SqliteStore;

const MAX_KEY_BYTES: usize = 256;
const MAX_VALUE_BYTES: usize = 1024 * 1024;
const MAX_STORE_BYTES: usize = 64 * 1024 * 1024;

/// One store's data, wherever it lives.
enum Backend {
    Memory(MemoryStore),
    Redis(Box<RedisStore>),
    File(SqliteStore),
}

/// The process-wide stores by label.
pub struct KeyValueBackend {
    stores: BTreeMap<String, Arc<Backend>>,
}

impl Default for KeyValueBackend {
    /// Spin's default without a runtime config: one store, `default`.
    fn default() -> Self {
        let mut stores = BTreeMap::new();
        stores.insert(
            "default".to_string(),
            Arc::new(Backend::Memory(MemoryStore::default())),
        );
        KeyValueBackend { stores }
    }
}

impl KeyValueBackend {
    /// The default store plus the configured ones (a configured `default` replaces it).
    pub fn from_config(
        configured: &BTreeMap<String, StoreConfig>,
        timeout: Duration,
    ) -> Result<KeyValueBackend, String> {
        let mut backend = KeyValueBackend::default();
        for (label, config) in configured {
            let store = match config {
                StoreConfig::Memory => Backend::Memory(MemoryStore::default()),
                StoreConfig::Redis { url } => Backend::Redis(Box::new(
                    RedisStore::new(url, timeout)
                        .map_err(|e| format!("key-value store {label:?}: {e}"))?,
                )),
                StoreConfig::File(path) => Backend::File(
                    SqliteStore::open(path, label)
                        .map_err(|e| format!("key-value store {label:?}: {e}"))?,
                ),
            };
            backend.stores.insert(label.clone(), Arc::new(store));
        }
        Ok(backend)
    }

    /// One line per store for the startup log (no URLs: they may carry a password).
    pub fn describe(&self) -> Vec<String> {
        self.stores
            .iter()
            .map(|(label, store)| {
                let kind = match store.as_ref() {
                    Backend::Memory(_) => "memory",
                    Backend::Redis(_) => "redis",
                    Backend::File(_) => "sqlite",
                };
                format!("{label}={kind}")
            })
            .collect()
    }
}

/// An open store handle in a guest's resource table.
pub struct OpenStore {
    backend: Arc<Backend>,
}

fn check_sizes(key: &str, value: &[u8]) -> Result<(), Error> {
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::Other(format!(
            "key longer than {MAX_KEY_BYTES} bytes"
        )));
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(Error::Other(format!(
            "value larger than {MAX_VALUE_BYTES} bytes"
        )));
    }
    Ok(())
}

impl Backend {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Backend::Memory(m) => m.get(key),
            Backend::Redis(r) => r.get(key).await,
            Backend::File(f) => f.get(key.to_string()).await,
        }
    }

    async fn set(&self, key: String, value: Vec<u8>) -> Result<(), Error> {
        check_sizes(&key, &value)?;
        match self {
            Backend::Memory(m) => m.set(key, value),
            Backend::Redis(r) => r.set(&key, &value).await,
            Backend::File(f) => f.set(key, value).await,
        }
    }

    async fn delete(&self, key: &str) -> Result<(), Error> {
        match self {
            Backend::Memory(m) => m.delete(key),
            Backend::Redis(r) => r.delete(key).await,
            Backend::File(f) => f.delete(key.to_string()).await,
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, Error> {
        match self {
            Backend::Memory(m) => m.exists(key),
            Backend::Redis(r) => r.exists(key).await,
            Backend::File(f) => f.exists(key.to_string()).await,
        }
    }

    async fn keys(&self) -> Result<Vec<String>, Error> {
        match self {
            Backend::Memory(m) => m.keys(),
            Backend::Redis(r) => r.keys().await,
            Backend::File(f) => f.keys().await,
        }
    }
}

impl Host for HostState {}

impl HostStore for HostState {
    async fn open(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<OpenStore>, Error>> {
        if !self.policy.key_value_stores.iter().any(|s| s == &label) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(backend) = self.shared.key_value.stores.get(&label) else {
            return Ok(Err(Error::NoSuchStore));
        };
        let store = OpenStore {
            backend: Arc::clone(backend),
        };
        Ok(Ok(self.table.push(store)?))
    }

    async fn get(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let backend = Arc::clone(&self.table.get(&store)?.backend);
        Ok(backend.get(&key).await)
    }

    async fn set(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let backend = Arc::clone(&self.table.get(&store)?.backend);
        Ok(backend.set(key, value).await)
    }

    async fn delete(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let backend = Arc::clone(&self.table.get(&store)?.backend);
        Ok(backend.delete(&key).await)
    }

    async fn exists(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let backend = Arc::clone(&self.table.get(&store)?.backend);
        Ok(backend.exists(&key).await)
    }

    async fn get_keys(
        &mut self,
        store: Resource<OpenStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let backend = Arc::clone(&self.table.get(&store)?.backend);
        Ok(backend.keys().await)
    }

    async fn drop(&mut self, store: Resource<OpenStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
