//! `fermyon:spin/key-value@2.0.0`, backed by memory shared by all requests of this process.
//!
//! Only the store labelled `default` exists (as in Spin's default runtime config). Data lives as
//! long as the edge-host process and is bounded: keys up to 256 bytes, values up to 1 MiB, and
//! 64 MiB per store in total.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use wasmtime::component::Resource;

use super::HostState;
use super::fermyon::spin::key_value::{Error, Host, HostStore};

const MAX_KEY_BYTES: usize = 256;
const MAX_VALUE_BYTES: usize = 1024 * 1024;
const MAX_STORE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
struct StoreData {
    entries: BTreeMap<String, Vec<u8>>,
    bytes: usize,
}

/// The process-wide stores.
#[derive(Default)]
pub struct KeyValueBackend {
    default: Arc<Mutex<StoreData>>,
}

/// An open store handle in a guest's resource table.
pub struct OpenStore {
    data: Arc<Mutex<StoreData>>,
}

impl OpenStore {
    fn with<R>(&self, f: impl FnOnce(&mut StoreData) -> R) -> Result<R, Error> {
        let mut guard = self
            .data
            .lock()
            .map_err(|_| Error::Other("key-value store is unavailable".to_string()))?;
        Ok(f(&mut guard))
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
        if label != "default" {
            return Ok(Err(Error::NoSuchStore));
        }
        let store = OpenStore {
            data: self.shared.key_value.default.clone(),
        };
        Ok(Ok(self.table.push(store)?))
    }

    async fn get(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.with(|d| d.entries.get(&key).cloned()))
    }

    async fn set(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        if key.len() > MAX_KEY_BYTES {
            return Ok(Err(Error::Other(format!(
                "key longer than {MAX_KEY_BYTES} bytes"
            ))));
        }
        if value.len() > MAX_VALUE_BYTES {
            return Ok(Err(Error::Other(format!(
                "value larger than {MAX_VALUE_BYTES} bytes"
            ))));
        }
        let store = self.table.get(&store)?;
        Ok(store
            .with(|d| {
                let old = d.entries.get(&key).map_or(0, |v| key.len() + v.len());
                let new_total = d.bytes - old + key.len() + value.len();
                if new_total > MAX_STORE_BYTES {
                    return Err(Error::Other("key-value store is full".to_string()));
                }
                d.bytes = new_total;
                d.entries.insert(key, value);
                Ok(())
            })
            .and_then(|r| r))
    }

    async fn delete(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        Ok(store.with(|d| {
            if let Some(v) = d.entries.remove(&key) {
                d.bytes -= key.len() + v.len();
            }
        }))
    }

    async fn exists(
        &mut self,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.with(|d| d.entries.contains_key(&key)))
    }

    async fn get_keys(
        &mut self,
        store: Resource<OpenStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.with(|d| d.entries.keys().cloned().collect()))
    }

    async fn drop(&mut self, store: Resource<OpenStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
