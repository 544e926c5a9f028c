//! The per-request `Store`: fresh guest state, the memory cap and the deadline. Shared by the
//! request handler and the instantiation benchmark so both measure the same thing.

use std::sync::Arc;
use std::time::Instant;

use wasmtime::{Store, UpdateDeadline};

use super::engine::Limits;
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
    // Guest code that computes without calling the host would hold its runtime thread until the
    // deadline, and a few such guests would stall every other request of the process. At each
    // epoch tick it yields to the runtime instead, and past the request timeout it is stopped.
    let deadline = Instant::now() + limits.request_timeout;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        Ok(if Instant::now() >= deadline {
            UpdateDeadline::Interrupt
        } else {
            UpdateDeadline::Yield(1)
        })
    });
    store
}
