//! [`KeyValue`] over `fermyon:spin/key-value@2.0.0`, store "default".

use spin_sdk::key_value::{Error, Store};

use crate::deps::{DepError, Dependency, KeyValue};

#[derive(Default)]
pub struct SpinKv {
    store: Option<Store>,
}

impl SpinKv {
    fn store(&mut self) -> Result<&Store, DepError> {
        if self.store.is_none() {
            self.store = Some(Store::open_default().map_err(classify)?);
        }
        self.store
            .as_ref()
            .ok_or_else(|| DepError::unavailable(Dependency::KeyValue, "store not open"))
    }
}

fn classify(err: Error) -> DepError {
    DepError::unavailable(Dependency::KeyValue, format!("{err:?}"))
}

impl KeyValue for SpinKv {
    fn get(&mut self, key: &str) -> Result<Option<Vec<u8>>, DepError> {
        self.store()?.get(key).map_err(classify)
    }

    fn set(&mut self, key: &str, value: &[u8]) -> Result<(), DepError> {
        self.store()?.set(key, value).map_err(classify)
    }
}
