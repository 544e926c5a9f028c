//! The per-request guest state (`HostState`) and the linker that gives components their imports.

mod key_value;
mod mqtt;
pub mod outbound;
mod postgres;
mod redis;
mod redis_link;
mod redis_retry;
mod shared;
mod sqlite;
mod variables;

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

pub use key_value::KeyValueBackend;
pub use outbound::OutboundPolicy;
pub use postgres::DEFAULT_POOL_SIZE as DEFAULT_PG_POOL_SIZE;
pub use shared::Shared;
pub use sqlite::{SqliteDatabases, SqliteLocation};

wasmtime::component::bindgen!({
    path: "wit",
    world: "edge-host:spin-host/host",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/redis.connection": redis::RedisConnection,
        "fermyon:spin/key-value.store": key_value::OpenStore,
        "spin:postgres/postgres.connection": postgres::PgConnection,
        "fermyon:spin/sqlite.connection": sqlite::SqliteConnection,
        "spin:sqlite/sqlite.connection": sqlite::SqliteConnection,
        "fermyon:spin/mqtt.connection": mqtt::MqttConnection,
    },
});

/// What one component may see and touch; built once per load, shared by all its requests.
#[derive(Debug)]
pub struct ComponentPolicy {
    pub variables: BTreeMap<String, String>,
    pub outbound: OutboundPolicy,
    pub key_value_stores: Vec<String>,
    pub sqlite_databases: Vec<String>,
    /// WASI environment variables for the guest (component `environment` plus `HOSTNAME`).
    pub environment: Vec<(String, String)>,
}

/// Everything a guest instance can reach, one per request (`Store<HostState>`).
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: OutboundHttp,
    pub(crate) limits: StoreLimits,
    policy: Arc<ComponentPolicy>,
    shared: Arc<Shared>,
    /// MQTT sessions this request has open (each holds a broker connection).
    mqtt_connections: usize,
}

impl HostState {
    pub fn new(policy: Arc<ComponentPolicy>, shared: Arc<Shared>, memory_limit: usize) -> Self {
        let mut wasi = WasiCtx::builder();
        // Guest stdout goes to our stderr: our stdout carries only the JSON access log.
        wasi.stdout(tokio::io::stderr()).inherit_stderr();
        wasi.envs(&policy.environment);
        outbound::sockets(&mut wasi, &policy);
        HostState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHttp {
                policy: Arc::clone(&policy),
            },
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_limit)
                .instances(64)
                .build(),
            policy,
            shared,
            mqtt_connections: 0,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Outbound HTTP (`wasi:http/outgoing-handler`) where `allowed_outbound_hosts` allows the URL;
/// anything else is `HTTP-request-denied` for the guest.
struct OutboundHttp {
    policy: Arc<ComponentPolicy>,
}

impl WasiHttpHooks for OutboundHttp {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        let allowed = outbound::allows_uri(&self.policy.outbound, request.uri());
        Box::new(async move {
            if !allowed {
                return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
            }
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(http_body_util::BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// Interface names (prefixes) that the linker provides; anything else is rejected at load.
pub const SUPPORTED_IMPORTS: &[&str] = &[
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:io/",
    "wasi:random/",
    "wasi:sockets/",
    "wasi:http/types@",
    "wasi:http/outgoing-handler@",
    "fermyon:spin/redis@2.0.0",
    "fermyon:spin/variables@2.0.0",
    "fermyon:spin/key-value@2.0.0",
    "spin:postgres/postgres@4.0.0",
    "fermyon:spin/sqlite@2.0.0",
    "spin:sqlite/sqlite@3.0.0",
    "fermyon:spin/mqtt@2.0.0",
];

/// Whether an import name is one edge-host implements.
pub fn is_supported_import(name: &str) -> bool {
    SUPPORTED_IMPORTS
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Builds the linker once: WASI p2, wasi:http and the Spin interfaces.
pub fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    Host_::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;
    Ok(linker)
}
