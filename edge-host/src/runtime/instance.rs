//! The per-request `Store`: fresh guest state, the memory cap and the deadline. Shared by the
//! request handler and the instantiation benchmark so both measure the same thing.

use std::sync::Arc;

use wasmtime::Store;

use super::engine::{Limits, ticks};
use super::loader::LoadedComponent;
use crate::host::{HostState, Shared};

/// A new store for one request to `component`, ready for `ProxyPre::instantiate_async`.
pub fn new_store(
    component: &LoadedComponent,
    shared: &Arc<Shared>,
    limits: &Limits,
) -> Store<HostState> {
    let state = HostState::new(
        component.policy.clone(),
        shared.clone(),
        limits.memory_limit,
    );
    let mut store = Store::new(component.pre.engine(), state);
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(ticks(limits.request_timeout));
    store
}
