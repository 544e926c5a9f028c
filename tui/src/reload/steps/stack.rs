//! Stack files (compose, env, profile overlays): validate the merged model, then let compose
//! converge, recreating only the services whose configuration changed. When the app is the only
//! such service, its replicas are replaced one at a time first, so no request is dropped.

use super::StepContext;
use crate::compose::Output;
use crate::docker::{project_snapshots, running_config_hashes};
use std::collections::{BTreeMap, BTreeSet};

impl StepContext {
    pub(super) async fn validate_compose(&self) -> Result<String, String> {
        let model = self.compose.model().await.map_err(|err| err.to_string())?;
        Ok(format!("{} services valid", model.services.len()))
    }

    /// `up -d`, then says which services compose recreated (their container ids changed).
    pub(super) async fn apply_compose(&self) -> Result<String, String> {
        let rolled = if self.only_the_app_changed().await {
            Some(self.roll_replicas().await?)
        } else {
            None
        };
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
        let recreated = if changed.is_empty() {
            "nothing recreated".to_string()
        } else {
            format!("recreated {}", changed.join(", "))
        };
        Ok(match rolled {
            Some(rolled) => format!("app: {rolled}; then {recreated}"),
            None => recreated,
        })
    }

    /// Whether the app is the one running service whose configuration differs from the files.
    /// Only then is a rolling replace safe: were its dependencies changing too, a new replica
    /// could not turn healthy before they are recreated. When this cannot be told, compose's
    /// plain `up -d` decides.
    async fn only_the_app_changed(&self) -> bool {
        let project = &self.compose.profile().project;
        let (wanted, running) = match (
            self.compose.config_hashes().await,
            running_config_hashes(&self.docker, project).await,
        ) {
            (Ok(wanted), Ok(running)) => (wanted, running),
            (Err(err), _) => {
                tracing::warn!(%err, "no configuration hashes; not rolling the app");
                return false;
            }
            (_, Err(err)) => {
                tracing::warn!(%err, "cannot list the running configuration; not rolling the app");
                return false;
            }
        };
        changed_services(&wanted, &running) == [super::rolling::SERVICE]
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

/// Running services with a container whose configuration hash differs from the wanted one.
/// Services that are not running are not "changed": compose simply creates them.
fn changed_services<'a>(
    wanted: &BTreeMap<String, String>,
    running: &'a BTreeMap<String, BTreeSet<String>>,
) -> Vec<&'a str> {
    running
        .iter()
        .filter(|(service, hashes)| {
            wanted
                .get(*service)
                .is_some_and(|hash| hashes.iter().any(|running| running != hash))
        })
        .map(|(service, _)| service.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(entries: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        entries
            .iter()
            .map(|(service, hashes)| {
                let hashes = hashes.iter().map(|hash| hash.to_string()).collect();
                (service.to_string(), hashes)
            })
            .collect()
    }

    #[test]
    fn a_service_changed_when_any_of_its_containers_has_another_hash() {
        let wanted: BTreeMap<String, String> = [("app", "a2"), ("nginx", "n1"), ("redis", "r1")]
            .iter()
            .map(|(service, hash)| (service.to_string(), hash.to_string()))
            .collect();
        let now = running(&[
            ("app", &["a1", "a2"]),
            ("nginx", &["n1"]),
            ("gone", &["g1"]),
        ]);
        // redis is not running (compose creates it); "gone" is no longer in the files.
        assert_eq!(changed_services(&wanted, &now), vec!["app"]);
        let now = running(&[("app", &["a2"]), ("nginx", &["n0"])]);
        assert_eq!(changed_services(&wanted, &now), vec!["nginx"]);
        let now = running(&[("app", &["a2"]), ("nginx", &["n1"])]);
        assert!(changed_services(&wanted, &now).is_empty());
    }
}
