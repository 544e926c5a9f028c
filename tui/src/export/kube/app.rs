//! The app as a SpinApp: replicas, limits and variables from the profile's compose service,
//! health checks on the app's liveness and readiness routes, and Spin's key-value store on Redis
//! so that every replica sees the same store.

use super::stack::{Role, Stack};
use super::workload;
use crate::export::ExportError;
use crate::export::spinapp::{
    HealthChecks, HealthProbe, HttpHealthProbe, Resources, RuntimeConfig, RuntimeOption,
    RuntimeOptionSource, RuntimeStore, SpinApp, SpinAppSpec, SpinVar,
};
use k8s_openapi::api::core::v1::{EnvVarSource, SecretKeySelector};
use std::collections::BTreeMap;

/// SpinKube's executor for Spin apps (a SpinAppExecutor the cluster must have).
pub const EXECUTOR: &str = "containerd-shim-spin";
const VARIABLE_PREFIX: &str = "SPIN_VARIABLE_";
/// edge-host's extension: the variable's value is in this file (a compose secret).
const FILE_SUFFIX: &str = "_FILE";
/// Readiness route of the app's contract (DESIGN §4.1): 200 only when Redis and Postgres answer.
pub use stack_core::model::readiness::READY_PATH as READINESS_PATH;
/// Spin's key-value stores use their own Redis database, apart from the app's own keys.
const KEY_VALUE_REDIS_DB: u32 = 1;

/// Where a Spin variable's value comes from in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A plain value (hosts already mapped to Service names).
    Value(String),
    /// A compose secret file: the Secret of that file.
    SecretFile(String),
    /// A secret variable compose sets as a plain value: kept in the app's own Secret.
    SecretValue(String),
}

/// The app's own Secret, for secret variables that compose does not take from a file.
pub fn variables_secret(stack: &Stack) -> String {
    format!("{}-variables", stack.kube_name(Role::App))
}

/// The Secret holding each key-value store's Redis URL (it contains Redis's password).
pub fn key_value_secret(stack: &Stack) -> String {
    format!("{}-key-value", stack.kube_name(Role::App))
}

pub fn key_value_key(store: &str) -> String {
    format!("{store}_url")
}

/// Every Spin variable the profile sets, with where its value comes from. Variables compose
/// leaves unset keep spin.toml's default (and are not exported).
pub fn variable_bindings(stack: &Stack) -> Result<BTreeMap<String, Binding>, ExportError> {
    let app = stack.service(Role::App);
    let declared = &stack.manifest.variables;
    let hosts = stack.manifest.host_variables();
    let mut bindings = BTreeMap::new();
    for (key, value) in &app.environment {
        let Some(rest) = key.strip_prefix(VARIABLE_PREFIX) else {
            continue;
        };
        let (upper, from_file) = match rest.strip_suffix(FILE_SUFFIX) {
            Some(upper) if !declared.contains_key(&rest.to_ascii_lowercase()) => (upper, true),
            _ => (rest, false),
        };
        let name = upper.to_ascii_lowercase();
        let Some(decl) = declared.get(&name) else {
            return Err(stack.error(format!(
                "service {} sets {key}, but {} declares no variable {name:?}",
                stack.service_name(Role::App),
                crate::export::SPIN_MANIFEST
            )));
        };
        let value = value.clone().unwrap_or_default();
        let binding = if from_file {
            let file = value
                .strip_prefix(workload::SECRETS_DIR)
                .map(|file| file.trim_start_matches('/'))
                .filter(|file| !file.is_empty() && !file.contains('/'))
                .ok_or_else(|| {
                    stack.error(format!(
                        "{key}={value}: only files under {} (compose secrets) can be exported",
                        workload::SECRETS_DIR
                    ))
                })?;
            Binding::SecretFile(file.to_string())
        } else if decl.secret {
            Binding::SecretValue(value)
        } else if hosts.contains(&name) {
            Binding::Value(host_to_service(stack, &value))
        } else {
            Binding::Value(value)
        };
        bindings.insert(name, binding);
    }
    for (name, decl) in declared {
        if decl.required && !bindings.contains_key(name) {
            return Err(stack.error(format!(
                "variable {name:?} is required by {} but service {} sets neither \
                 {VARIABLE_PREFIX}{upper} nor {VARIABLE_PREFIX}{upper}{FILE_SUFFIX}",
                crate::export::SPIN_MANIFEST,
                stack.service_name(Role::App),
                upper = name.to_ascii_uppercase()
            )));
        }
    }
    Ok(bindings)
}

/// A host naming a compose service becomes that service's Kubernetes Service name.
fn host_to_service(stack: &Stack, value: &str) -> String {
    match stack.role_of(value) {
        Some(role) => stack.kube_name(role),
        None => value.to_string(),
    }
}

fn secret_ref(name: String, key: String) -> SecretKeySelector {
    SecretKeySelector {
        name,
        key,
        optional: None,
    }
}

fn variables(stack: &Stack) -> Result<Vec<SpinVar>, ExportError> {
    Ok(variable_bindings(stack)?
        .into_iter()
        .map(|(name, binding)| {
            let (value, secret) = match binding {
                Binding::Value(value) => (Some(value), None),
                Binding::SecretFile(file) => {
                    (None, Some(secret_ref(workload::secret_name(&file), file)))
                }
                Binding::SecretValue(_) => (
                    None,
                    Some(secret_ref(variables_secret(stack), name.clone())),
                ),
            };
            SpinVar {
                name,
                value,
                value_from: secret.map(|selector| EnvVarSource {
                    secret_key_ref: Some(selector),
                    ..EnvVarSource::default()
                }),
            }
        })
        .collect())
}

/// The Redis URL for Spin's key-value store, with `password` filled in.
pub fn key_value_url(stack: &Stack, password: &str) -> String {
    let port = stack
        .ports(Role::Cache)
        .first()
        .map(|(_, port)| *port)
        .unwrap_or_default();
    format!(
        "redis://:{password}@{}:{port}/{KEY_VALUE_REDIS_DB}",
        stack.kube_name(Role::Cache)
    )
}

fn runtime_config(stack: &Stack) -> Option<RuntimeConfig> {
    let stores = stack.manifest.key_value_stores();
    if stores.is_empty() {
        return None;
    }
    let key_value_stores = stores
        .iter()
        .map(|store| RuntimeStore {
            name: store.clone(),
            kind: "redis".into(),
            options: vec![RuntimeOption {
                name: "url".into(),
                value: None,
                value_from: Some(RuntimeOptionSource {
                    secret_key_ref: Some(secret_ref(key_value_secret(stack), key_value_key(store))),
                    ..RuntimeOptionSource::default()
                }),
            }],
        })
        .collect();
    Some(RuntimeConfig {
        key_value_stores,
        ..RuntimeConfig::default()
    })
}

/// The liveness path: the URL the compose healthcheck asks (`edge-host healthcheck URL`).
fn liveness_path(stack: &Stack) -> Result<String, ExportError> {
    let check = stack
        .service(Role::App)
        .healthcheck
        .clone()
        .unwrap_or_default();
    check
        .test
        .iter()
        .find_map(|arg| {
            let rest = arg
                .strip_prefix("http://")
                .or_else(|| arg.strip_prefix("https://"))?;
            rest.find('/').map(|at| rest[at..].to_string())
        })
        .ok_or_else(|| {
            stack.error(format!(
                "service {}'s healthcheck names no http:// URL to take the liveness path from",
                stack.service_name(Role::App)
            ))
        })
}

fn checks(stack: &Stack) -> Result<HealthChecks, ExportError> {
    let check = stack
        .service(Role::App)
        .healthcheck
        .clone()
        .unwrap_or_default();
    let probe = |path: String| HealthProbe {
        http_get: HttpHealthProbe {
            path,
            http_headers: Vec::new(),
        },
        period_seconds: check.interval.as_deref().and_then(super::units::seconds),
        timeout_seconds: check.timeout.as_deref().and_then(super::units::seconds),
        failure_threshold: check
            .retries
            .and_then(|retries| i32::try_from(retries).ok()),
        ..HealthProbe::default()
    };
    let mut liveness = probe(liveness_path(stack)?);
    liveness.initial_delay_seconds = check
        .start_period
        .as_deref()
        .and_then(super::units::seconds);
    Ok(HealthChecks {
        liveness: Some(liveness),
        readiness: Some(probe(READINESS_PATH.into())),
    })
}

pub fn spin_app(stack: &Stack, image: &str) -> Result<SpinApp, ExportError> {
    let service = stack.service(Role::App);
    let limits = workload::limits(service);
    let spec = SpinAppSpec {
        image: image.to_string(),
        executor: EXECUTOR.into(),
        replicas: Some(workload::replicas(service)),
        checks: Some(checks(stack)?),
        resources: (!limits.is_empty()).then(|| Resources {
            limits: limits.clone(),
            requests: limits,
        }),
        runtime_config: runtime_config(stack),
        variables: variables(stack)?,
        pod_labels: workload::labels(stack, Role::App),
        ..SpinAppSpec::default()
    };
    Ok(SpinApp::new(
        workload::metadata(stack, Role::App, stack.kube_name(Role::App)),
        spec,
    ))
}
