//! The image-source check: were the profile's data volumes made by the image source `up` is
//! about to start? `up` (the command, the dashboard's, and hot reload's compose step) refuses a
//! mismatch before anything starts; `doctor` reports it (see `stack_core::image_source` for why
//! the data breaks and how each store records its source).

use super::Compose;
use crate::docker::read_volume_files;
use bollard::Docker;
use serde_json::Value;
use stack_core::image_source::{
    Decision, Found, ImageSource, MARKER_FILE, Recorded, current_source, data_volumes, decide,
};
use stack_core::model::{APP_ROLE, ROLE_LABEL};

/// Local images a never-started container may use to mount the volumes: the app's first (no
/// declared volumes, built at every `up`), then the others the model names.
fn candidate_images(config: &Value) -> Vec<String> {
    let services = config.get("services").and_then(Value::as_object);
    let mut images: Vec<(bool, String)> = services
        .into_iter()
        .flatten()
        .filter_map(|(_, service)| {
            let image = service.get("image")?.as_str()?.to_string();
            let role = service.pointer(&format!("/labels/{ROLE_LABEL}"));
            Some((role.and_then(Value::as_str) != Some(APP_ROLE), image))
        })
        .collect();
    images.sort();
    images.dedup();
    images.into_iter().map(|(_, image)| image).collect()
}

fn recorded(content: Result<Option<String>, String>) -> Recorded {
    match content {
        Ok(None) => Recorded::Missing,
        Ok(Some(text)) => ImageSource::parse(&text).map_or_else(
            || Recorded::Unknown(format!("its record says {:?}", text.trim())),
            Recorded::Source,
        ),
        Err(why) => Recorded::Unknown(why),
    }
}

/// The decision for this profile's volumes, or None for a project whose stores carry no
/// image-source label (nothing to compare with).
pub async fn check(
    docker: &Docker,
    compose: &Compose,
    config: &Value,
) -> anyhow::Result<Option<Decision>> {
    let Some(current) = current_source(config) else {
        return Ok(None);
    };
    let volumes = data_volumes(config);
    let names: Vec<String> = volumes.iter().map(|v| v.volume.clone()).collect();
    let files = read_volume_files(docker, &names, MARKER_FILE, &candidate_images(config)).await?;
    let found: Vec<Found> = files
        .into_iter()
        .filter_map(|file| {
            let volume = volumes.iter().find(|v| v.volume == file.volume)?.clone();
            Some(Found {
                volume,
                recorded: recorded(file.content),
            })
        })
        .collect();
    Ok(Some(decide(
        &compose.profile().name,
        &compose.stack_tui_command(),
        current,
        &found,
    )))
}

/// `up`'s gate: Err with the whole refusal on a mismatch, a note for unrecorded volumes.
pub async fn ensure_same_source(
    docker: &Docker,
    compose: &Compose,
    config: &Value,
) -> anyhow::Result<()> {
    match check(docker, compose, config).await? {
        Some(Decision::Refused(mismatch)) => Err(anyhow::anyhow!("{mismatch}")),
        Some(decision) => {
            if let Some(note) = decision.note() {
                eprintln!("{note}");
            }
            Ok(())
        }
        None => Ok(()),
    }
}

/// The same gate for the dashboard's up and hot reload's compose step: Err with the refusal in
/// one line (doctor's, naming the way back) when data of the other source would be started
/// over. A record that cannot be read does not stop them (as in `up`, it is not a mismatch).
pub async fn refuse_other_source(compose: &Compose) -> Result<(), String> {
    let config = compose
        .config_json(&[])
        .await
        .map_err(|err| err.to_string())?;
    let parsed: Value = serde_json::from_str(&config).map_err(|err| err.to_string())?;
    let docker = crate::docker::connect()
        .await
        .map_err(|err| err.to_string())?;
    match check(&docker, compose, &parsed).await {
        Ok(Some(decision @ Decision::Refused(_))) => {
            Err(format!("{}; nothing was started", decision.report().1))
        }
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(%err, "image-source check skipped");
            Ok(())
        }
    }
}
