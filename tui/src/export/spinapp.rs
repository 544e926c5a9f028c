//! SpinKube's `SpinApp` (`core.spinkube.dev/v1alpha1`) as typed structs. Field names and shapes
//! follow the CRD's `openAPIV3Schema`; where the CRD embeds a Kubernetes type (variable sources,
//! volumes, pull secrets) the k8s-openapi type is used. The tests validate exports against the CRD.

use k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, EnvVarSource, LocalObjectReference, SecretKeySelector, Volume,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const API_VERSION: &str = "core.spinkube.dev/v1alpha1";
pub const KIND: &str = "SpinApp";
/// The label spin-operator puts on every pod of a SpinApp (value: the SpinApp's name); its
/// Deployment selects pods by it.
pub const APP_NAME_LABEL: &str = "core.spinkube.dev/app-name";
/// The port containerd-shim-spin serves HTTP on, and spin-operator's Service targets.
pub const HTTP_PORT: i32 = 80;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpinApp {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: SpinAppSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpinAppSpec {
    pub image: String,
    pub executor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_autoscaling: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<HealthChecks>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_config: Option<RuntimeConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub variables: Vec<SpinVar>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub pod_labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub pod_annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub deployment_annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub service_annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub invocation_limits: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub image_pull_secrets: Vec<LocalObjectReference>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub volumes: Vec<Volume>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub volume_mounts: Vec<VolumeMount>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthChecks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness: Option<HealthProbe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<HealthProbe>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthProbe {
    pub http_get: HttpHealthProbe,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpHealthProbe {
    pub path: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub http_headers: Vec<HttpHeader>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// Only limits and requests: the CRD has no `claims`, unlike core `ResourceRequirements`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub limits: BTreeMap<String, Quantity>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub requests: BTreeMap<String, Quantity>,
}

/// A Spin variable: a literal value or a Kubernetes source (spin-operator turns each into the
/// container environment variable `SPIN_VARIABLE_<NAME>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpinVar {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvVarSource>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeConfig {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub key_value_stores: Vec<RuntimeStore>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sqlite_databases: Vec<RuntimeStore>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_from_secret: Option<String>,
}

/// One key-value store or SQLite database of Spin's runtime config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeStore {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub options: Vec<RuntimeOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeOption {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<RuntimeOptionSource>,
}

/// Runtime options take a ConfigMap or Secret key only (a narrower type than `EnvVarSource`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeOptionSource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<ConfigMapKeySelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeySelector>,
}

impl SpinApp {
    pub fn new(metadata: ObjectMeta, spec: SpinAppSpec) -> Self {
        Self {
            api_version: API_VERSION.into(),
            kind: KIND.into(),
            metadata,
            spec,
        }
    }
}
