//! The Secrets the manifests reference. By default every value is a placeholder starting with
//! REPLACE_ME that also breaks the service using it (Redis refuses such a password), so nothing
//! runs on a value from this file by accident; with --include-secrets the values come from the
//! project's env/secrets/ (what compose/prepare generated).

use super::app::{self, Binding};
use super::proxy;
use super::stack::{Role, Stack};
use super::workload;
use crate::export::{ExportError, PLACEHOLDER_MARKER};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// Where compose/prepare keeps the secret masters, relative to the project root.
const SECRETS_DIR: &str = "env/secrets";

fn placeholder(hint: &str) -> String {
    format!("{PLACEHOLDER_MARKER}: {hint}")
}

struct Values<'a> {
    stack: &'a Stack,
    include: bool,
}

impl Values<'_> {
    /// A compose secret file's value: env/secrets/<file>, or a placeholder.
    fn file(&self, file: &str) -> Result<String, ExportError> {
        if !self.include {
            return Ok(placeholder("a random value, e.g. `openssl rand -hex 24`"));
        }
        let path = self.stack.root.join(SECRETS_DIR).join(file);
        std::fs::read_to_string(&path).map_err(|source| ExportError::SecretFile { path, source })
    }
}

fn opaque(stack: &Stack, name: &str, data: BTreeMap<String, String>) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(BTreeMap::from([(
                "app.kubernetes.io/part-of".to_string(),
                stack.namespace.clone(),
            )])),
            ..ObjectMeta::default()
        },
        type_: Some("Opaque".into()),
        string_data: Some(data),
        ..Secret::default()
    }
}

pub fn secrets(stack: &Stack, include: bool) -> Result<Vec<Secret>, ExportError> {
    let values = Values { stack, include };
    // The app's own secret files reach a SpinApp only as variables (the bindings below): its
    // edge-host runtime config has no place there, SpinKube's runtimeConfig holds the stores.
    let mut files: Vec<String> = stack
        .services
        .iter()
        .filter(|(name, _)| stack.role_of(name) != Some(Role::App))
        .flat_map(|(_, service)| {
            service
                .secrets
                .iter()
                .map(|secret| secret.file_name().to_string())
        })
        .collect();
    let bindings = app::variable_bindings(stack)?;
    files.extend(bindings.values().filter_map(|binding| match binding {
        Binding::SecretFile(file) => Some(file.clone()),
        _ => None,
    }));
    files.sort();
    files.dedup();

    let mut secrets = Vec::new();
    for file in &files {
        let data = BTreeMap::from([(file.clone(), values.file(file)?)]);
        secrets.push(opaque(stack, &workload::secret_name(file), data));
    }

    let literal: BTreeMap<String, String> = bindings
        .iter()
        .filter_map(|(name, binding)| match binding {
            Binding::SecretValue(value) if include => Some((name.clone(), value.clone())),
            Binding::SecretValue(_) => Some((name.clone(), placeholder("the variable's value"))),
            _ => None,
        })
        .collect();
    if !literal.is_empty() {
        secrets.push(opaque(stack, &app::variables_secret(stack), literal));
    }

    let stores = stack.manifest.key_value_stores();
    if !stores.is_empty() {
        let password = redis_password(stack, &values)?;
        let url = match password {
            Some(password) => app::key_value_url(stack, password.trim_end_matches(['\r', '\n'])),
            None => placeholder(&app::key_value_url(stack, "<redis password>")),
        };
        let data = stores
            .iter()
            .map(|store| (app::key_value_key(store), url.clone()))
            .collect();
        secrets.push(opaque(stack, &app::key_value_secret(stack), data));
    }

    if proxy::tls_listen_port(stack).is_some() {
        let mut tls = opaque(
            stack,
            proxy::TLS_SECRET,
            BTreeMap::from([
                (
                    proxy::TLS_CERT_KEY.to_string(),
                    placeholder("PEM certificate chain"),
                ),
                (
                    proxy::TLS_KEY_KEY.to_string(),
                    placeholder("PEM private key"),
                ),
            ]),
        );
        tls.type_ = Some("kubernetes.io/tls".into());
        secrets.push(tls);
    }
    Ok(secrets)
}

/// Redis's password (its one secret file), when secrets are included.
fn redis_password(stack: &Stack, values: &Values) -> Result<Option<String>, ExportError> {
    let cache = stack.service(Role::Cache);
    match cache.secrets.as_slice() {
        [only] if values.include => values.file(only.file_name()).map(Some),
        [_] => Ok(None),
        _ => Err(stack.error(format!(
            "service {} should have exactly one secret (its password) for the key-value URL",
            stack.service_name(Role::Cache)
        ))),
    }
}
