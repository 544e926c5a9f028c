//! The locked application Spin runs from an OCI image: what `spin registry push` stores in its
//! `application/vnd.fermyon.spin.application.v1+config` layer and containerd-shim-spin reads back
//! as `/spin.json` (Spin's `spin_locked_app::locked::LockedApp`). Components are referenced by the
//! digest of their wasm layer; variables keep only their defaults, so no secret value is inside.

use super::spin_manifest::SpinManifest;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Content type Spin gives every component source.
const WASM_CONTENT_TYPE: &str = "application/wasm";

#[derive(Debug, Clone, Serialize)]
pub struct LockedApp {
    /// Spin writes 0 when nothing in the app must be understood by the host (no host
    /// requirements); readers accept 0 and 1.
    pub spin_lock_version: u32,
    pub metadata: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, LockedVariable>,
    pub triggers: Vec<LockedTrigger>,
    pub components: Vec<LockedComponent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockedVariable {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockedTrigger {
    pub id: String,
    pub trigger_type: String,
    pub trigger_config: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockedComponent {
    pub id: String,
    pub metadata: BTreeMap<String, Value>,
    pub source: LockedSource,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockedSource {
    pub content_type: String,
    /// `sha256:<hex>` of the component's wasm layer.
    pub digest: String,
}

impl LockedApp {
    /// Locks `manifest` with each component's source replaced by its layer digest
    /// (`digests`: component id → `sha256:<hex>`). Build settings and the manifest's origin are
    /// left out, as `spin registry push` does with the origin.
    pub fn from_manifest(
        manifest: &SpinManifest,
        digests: &BTreeMap<String, String>,
    ) -> Result<Self, serde_json::Error> {
        let app = &manifest.application;
        let mut metadata = BTreeMap::new();
        metadata.insert("name".into(), json!(app.name));
        if let Some(version) = &app.version {
            metadata.insert("version".into(), json!(version));
        }
        if let Some(description) = &app.description {
            metadata.insert("description".into(), json!(description));
        }
        if !app.authors.is_empty() {
            metadata.insert("authors".into(), json!(app.authors));
        }
        metadata.insert("triggers".into(), json!({}));
        // Spin repeats a single trigger type under "trigger" for older hosts.
        if manifest.trigger.len() == 1
            && let Some(trigger_type) = manifest.trigger.keys().next()
        {
            metadata.insert("trigger".into(), json!({ "type": trigger_type }));
        }
        let variables = manifest
            .variables
            .iter()
            .map(|(name, decl)| {
                let locked = LockedVariable {
                    description: decl.description.clone(),
                    default: decl.default.clone(),
                    secret: decl.secret,
                };
                (name.clone(), locked)
            })
            .collect();
        Ok(Self {
            spin_lock_version: 0,
            metadata,
            variables,
            triggers: triggers(manifest)?,
            components: components(manifest, digests),
        })
    }
}

fn triggers(manifest: &SpinManifest) -> Result<Vec<LockedTrigger>, serde_json::Error> {
    let mut locked = Vec::new();
    for (trigger_type, tables) in &manifest.trigger {
        for (index, table) in tables.iter().enumerate() {
            let mut config = table.clone();
            let explicit_id = config
                .remove("id")
                .and_then(|id| id.as_str().map(str::to_string));
            let component = config
                .get("component")
                .and_then(|c| c.as_str())
                .map(str::to_string);
            // Spin's normaliser names unnamed triggers after their component, else by position.
            let id = explicit_id.unwrap_or_else(|| match component {
                Some(component) => format!("{component}-{trigger_type}-trigger"),
                None => format!("{trigger_type}-trigger{}", index + 1),
            });
            let trigger_config = serde_json::to_value(&config)?;
            locked.push(LockedTrigger {
                id,
                trigger_type: trigger_type.clone(),
                trigger_config,
            });
        }
    }
    Ok(locked)
}

fn components(manifest: &SpinManifest, digests: &BTreeMap<String, String>) -> Vec<LockedComponent> {
    manifest
        .component
        .iter()
        .map(|(id, component)| {
            let mut metadata = BTreeMap::new();
            if let Some(description) = &component.description {
                metadata.insert("description".into(), json!(description));
            }
            metadata.insert(
                "allowed_outbound_hosts".into(),
                json!(component.allowed_outbound_hosts),
            );
            metadata.insert("key_value_stores".into(), json!(component.key_value_stores));
            LockedComponent {
                id: id.clone(),
                metadata,
                source: LockedSource {
                    content_type: WASM_CONTENT_TYPE.into(),
                    digest: digests.get(id).cloned().unwrap_or_default(),
                },
                env: component.environment.clone(),
                config: component.variables.clone(),
            }
        })
        .collect()
}
