//! The tests against the real Docker engine, in one binary: each profile brought up and checked,
//! hot reload on scratch copies, the CLI, the audit, the Engine API conversions and the
//! Kubernetes and image exports, backups and restores. Tests that start containers take their turn
//! (`test_support::stack::exclusive`), so one stack runs at a time, as on a developer's machine;
//! the rest run beside them.

#[path = "../reload_support/mod.rs"]
mod reload_support;
#[path = "../stack_support/mod.rs"]
mod stack_support;

mod audit;
mod backup;
mod cli_docker;
mod docker_engine;
mod drills;
mod export_kube;
mod image_source;
mod monitoring;
mod reload_dev;
mod reload_local;
mod reload_requests;
mod secret_drift;
mod stack_config;
mod stack_dev;
mod stack_local;
mod stack_prod;
mod stack_side_by_side;
