//! Stack files (compose, env, profile overlays): validate the merged model, then let compose
//! converge, recreating only the services whose configuration changed.

use super::StepContext;
use crate::compose::Output;
use crate::docker::project_snapshots;
use std::collections::{BTreeMap, BTreeSet};

impl StepContext {
    pub(super) async fn validate_compose(&self) -> Result<String, String> {
        let model = self.compose.model().await.map_err(|err| err.to_string())?;
        Ok(format!("{} services valid", model.services.len()))
    }

    /// `up -d`, then says which services compose recreated (their container ids changed).
    pub(super) async fn apply_compose(&self) -> Result<String, String> {
        let before = self.containers_by_service().await?;
        self.compose
            .up(false, Output::Captured)
            .await
            .map_err(|err| err.to_string())?;
        let after = self.containers_by_service().await?;
        let changed: Vec<&str> = after
            .iter()
            .filter(|(service, ids)| before.get(*service) != Some(ids))
            .map(|(service, _)| service.as_str())
            .collect();
        Ok(if changed.is_empty() {
            "nothing recreated".into()
        } else {
            format!("recreated {}", changed.join(", "))
        })
    }

    async fn containers_by_service(&self) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
        let project = &self.compose.profile().project;
        let snapshots = project_snapshots(&self.docker, project)
            .await
            .map_err(|err| format!("cannot list {project}'s containers: {err}"))?;
        let mut by_service: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for snapshot in snapshots {
            by_service
                .entry(snapshot.service)
                .or_default()
                .insert(snapshot.id);
        }
        Ok(by_service)
    }
}
