//! The data volumes of a project and the source its stores are about to start from, read from
//! the merged model (`docker compose config --format json`).

use super::{ImageSource, SOURCE_LABEL};
use crate::model::ROLE_LABEL;
use crate::secrets::Store;
use serde_json::Value;

/// A named volume that holds a store's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataVolume {
    pub store: Store,
    /// The compose service that mounts it.
    pub service: String,
    /// The engine's name of the volume (`<project>_redis-data`).
    pub volume: String,
}

/// Where each store keeps its data inside its container.
fn data_dir(store: Store, service: &Value) -> String {
    match store {
        Store::Redis => "/data".into(),
        Store::Postgres => service
            .pointer("/environment/PGDATA")
            .and_then(Value::as_str)
            .unwrap_or("/var/lib/postgresql/data")
            .trim_end_matches('/')
            .to_string(),
    }
}

fn services_with_role<'a>(
    config: &'a Value,
    role: &'a str,
) -> impl Iterator<Item = (&'a String, &'a Value)> + 'a {
    config
        .get("services")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(move |(_, service)| {
            service
                .get("labels")
                .and_then(|labels| labels.get(ROLE_LABEL))
                .and_then(Value::as_str)
                == Some(role)
        })
}

/// The named volumes mounted over Redis' and Postgres' data directories, Redis first.
pub fn data_volumes(config: &Value) -> Vec<DataVolume> {
    let project = config.get("name").and_then(Value::as_str).unwrap_or("");
    let mut found = Vec::new();
    for store in [Store::Redis, Store::Postgres] {
        for (name, service) in services_with_role(config, store.role()) {
            let dir = data_dir(store, service);
            let mounts = service.get("volumes").and_then(Value::as_array);
            for mount in mounts.into_iter().flatten() {
                let named = mount.get("type").and_then(Value::as_str) == Some("volume");
                let target = mount.get("target").and_then(Value::as_str);
                let source = mount.get("source").and_then(Value::as_str);
                let (true, Some(target), Some(source)) = (named, target, source) else {
                    continue;
                };
                if target.trim_end_matches('/') != dir {
                    continue;
                }
                let volume = config
                    .pointer(&format!("/volumes/{source}/name"))
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{project}_{source}"), str::to_string);
                found.push(DataVolume {
                    store,
                    service: name.clone(),
                    volume,
                });
            }
        }
    }
    found
}

/// The source the stores would start from now: the [`SOURCE_LABEL`] compose interpolated on
/// Redis' or Postgres' service (the shell's `STACK_IMAGE_SOURCE` beats env/images.env there,
/// as it does for the images themselves). None for a project without the label.
pub fn current_source(config: &Value) -> Option<ImageSource> {
    [Store::Redis, Store::Postgres]
        .into_iter()
        .flat_map(|store| services_with_role(config, store.role()))
        .find_map(|(_, service)| {
            service
                .get("labels")
                .and_then(|labels| labels.get(SOURCE_LABEL))
                .and_then(Value::as_str)
                .and_then(ImageSource::parse)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Value {
        json!({
            "name": "stack-dev",
            "services": {
                "redis": {
                    "labels": {"stack-tui.role": "cache", "stack-tui.image-source": "standin"},
                    "volumes": [
                        {"type": "volume", "source": "redis-data", "target": "/data"},
                        {"type": "bind", "source": "/repo/compose/redis", "target": "/usr/local/etc/redis"}
                    ]
                },
                "postgres": {
                    "labels": {"stack-tui.role": "database", "stack-tui.image-source": "standin"},
                    "environment": {"PGDATA": "/var/lib/postgresql/data"},
                    "volumes": [
                        {"type": "volume", "source": "pg-data", "target": "/var/lib/postgresql/data/"},
                        {"type": "volume", "source": "scratch", "target": "/scratch"}
                    ]
                },
                "app": {"labels": {"stack-tui.role": "app"}, "volumes": [{"type": "volume", "source": "cache", "target": "/data"}]}
            },
            "volumes": {"redis-data": {"name": "stack-dev_redis-data"}}
        })
    }

    #[test]
    fn the_volumes_over_the_stores_data_directories_are_found_by_role() {
        let found = data_volumes(&config());
        assert_eq!(
            found,
            vec![
                DataVolume {
                    store: Store::Redis,
                    service: "redis".into(),
                    volume: "stack-dev_redis-data".into(),
                },
                // No name in the model: compose's own default, <project>_<key>.
                DataVolume {
                    store: Store::Postgres,
                    service: "postgres".into(),
                    volume: "stack-dev_pg-data".into(),
                },
            ]
        );
    }

    #[test]
    fn the_current_source_is_the_stores_label_and_absent_without_one() {
        assert_eq!(current_source(&config()), Some(ImageSource::Standin));
        let mut unlabelled = config();
        for service in ["redis", "postgres"] {
            unlabelled["services"][service]["labels"]
                .as_object_mut()
                .expect("labels")
                .remove(SOURCE_LABEL);
        }
        assert_eq!(current_source(&unlabelled), None);
        assert!(data_volumes(&json!({})).is_empty());
    }
}
