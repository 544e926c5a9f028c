//! One `Engine` per process: async, pooling allocator, epoch interruption for request timeouts.

use std::sync::Arc;
use std::time::Duration;

use super::function_cache::FunctionCache;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances: a guest that computes without calling the host yields to the
/// runtime at each tick (and is stopped at its request deadline).
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Bytes of each pooled linear memory / table kept resident between requests (edge-app touches
/// about this much; more stays resident only if a guest dirties it).
const KEEP_RESIDENT_MEMORY: usize = 2 * 1024 * 1024;
const KEEP_RESIDENT_TABLE: usize = 64 * 1024;

/// Resource limits that shape the engine and every request's store.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Instances alive at once (the pool size); a request beyond it is answered 503.
    pub max_instances: u32,
    /// Linear-memory cap per instance, in bytes.
    pub memory_limit: usize,
    pub request_timeout: Duration,
    pub max_body_bytes: u64,
    /// Connect and round-trip bound for Redis and Postgres.
    pub outbound_timeout: Duration,
    /// Bound on one Postgres statement.
    pub query_timeout: Duration,
    /// Most Postgres connections per address; a request that waits `outbound_timeout` for one
    /// is told the pool is exhausted.
    pub pg_pool_size: usize,
}

/// The `serve` defaults; `check` and `precompile` use them as they are, so the engine they compile
/// with is the one `serve` builds unless its flags say otherwise.
impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_instances: 256,
            memory_limit: 128 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            // Half a second keeps a hung dependency's 503 within one second.
            outbound_timeout: Duration::from_millis(500),
            query_timeout: Duration::from_secs(5),
            pg_pool_size: crate::host::DEFAULT_PG_POOL_SIZE,
        }
    }
}

pub fn build_engine(limits: &Limits) -> wasmtime::Result<Engine> {
    Engine::new(&config(limits))
}

/// The same engine, compiling through Cranelift's incremental cache: what `precompile` uses, so
/// the edit loop recompiles only the functions an edit changed. The compiled code, and so the
/// component cache's key, is the same as without it.
pub fn build_engine_reusing_functions(
    limits: &Limits,
    functions: Arc<FunctionCache>,
) -> wasmtime::Result<Engine> {
    let mut config = config(limits);
    config.enable_incremental_compilation(functions)?;
    Engine::new(&config)
}

fn config(limits: &Limits) -> Config {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(limits.max_instances)
        .total_core_instances(limits.max_instances.saturating_mul(4))
        .total_memories(limits.max_instances.saturating_mul(2))
        .total_tables(limits.max_instances.saturating_mul(4))
        .total_stacks(limits.max_instances)
        .max_memory_size(limits.memory_limit)
        // Reset a slot by zeroing only the pages the last request dirtied (found with Linux's
        // PAGEMAP_SCAN where available) instead of madvise: madvise cost a TLB-shootdown IPI plus
        // a page fault per page on the next request, about a quarter of the host's CPU under load.
        .linear_memory_keep_resident(KEEP_RESIDENT_MEMORY)
        .table_keep_resident(KEEP_RESIDENT_TABLE)
        .pagemap_scan(Enabled::Auto);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// Advances the engine's epoch forever on a plain thread, so deadlines work even when the async
/// runtime is busy.
pub fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::error!("cannot start epoch ticker: {e}"));
}
