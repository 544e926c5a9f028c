//! Stack files (compose, env, profile overlays): validate the merged model, then let compose
//! converge, recreating only the services whose configuration changed. When the app is the only
//! such service, its replicas are replaced one at a time first, so no request is dropped.
//! Compose does not see a change inside a bind-mounted file (redis.conf): such a service is
//! restarted so its process reads the file again; Postgres init scripts are refused, since no
//! restart applies them.

use super::StepContext;
use crate::compose::Output;
use crate::docker::{project_snapshots, running_config_hashes};
use stack_core::model::ComposeModel;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where the Postgres image reads init scripts: it runs them only on an empty data volume.
const INIT_SCRIPTS: &str = "/docker-entrypoint-initdb.d";

impl StepContext {
    pub(super) async fn validate_compose(&self) -> Result<String, String> {
        let model = self.compose.model().await.map_err(|err| err.to_string())?;
        Ok(format!("{} services valid", model.services.len()))
    }

    /// `up -d`, then says which services compose recreated (their container ids changed) and
    /// restarts those whose bind-mounted files changed but that compose left running.
    pub(super) async fn apply_compose(&self, changed_files: &[PathBuf]) -> Result<String, String> {
        // A changed env/images.env must not start the other image source over the data.
        crate::compose::refuse_other_source(&self.compose).await?;
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
        let mut recreated = if changed.is_empty() {
            "nothing recreated".to_string()
        } else {
            format!("recreated {}", changed.join(", "))
        };
        // A reload the user asked for names no files: no mounted file to look for.
        let mounted = if changed_files.is_empty() {
            MountedChanges::default()
        } else {
            let model = self.compose.model().await.map_err(|err| err.to_string())?;
            mounted_changes(&model, changed_files)
        };
        if let Some((service, file)) = mounted.init_scripts.first() {
            return Err(format!(
                "{recreated}; but {} is an init script of {service}: Postgres runs those only on \
                 an empty data volume, so the running database did not get it (run it with psql, \
                 or `down -v` to start empty, which deletes the data)",
                self.relative(file)
            ));
        }
        let restart: Vec<&String> = mounted
            .restart
            .iter()
            .filter(|service| !changed.contains(&service.as_str()))
            .collect();
        let mut restarted = Vec::new();
        for service in &restart {
            self.compose
                .restart(service)
                .await
                .map_err(|err| format!("{recreated}; restarting {service}: {err}"))?;
            let took = self
                .wait_healthcheck_passes(service)
                .await
                .map_err(|err| format!("{recreated}; restarted {service}, but {err}"))?;
            restarted.push(format!(
                "{service} (healthy {:.1} s later)",
                took.as_secs_f64()
            ));
        }
        if !restarted.is_empty() {
            recreated.push_str(&format!(
                "; restarted {}: mounted files changed",
                restarted.join(", ")
            ));
        }
        Ok(match rolled {
            Some(rolled) => format!("app: {rolled}; then {recreated}"),
            None => recreated,
        })
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
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

/// Services whose bind-mounted files are among the changed ones.
#[derive(Debug, Default, PartialEq, Eq)]
struct MountedChanges {
    /// A restart makes their process read the files again.
    restart: BTreeSet<String>,
    /// (service, file): Postgres init scripts, which no restart applies.
    init_scripts: Vec<(String, PathBuf)>,
}

fn mounted_changes(model: &ComposeModel, changed: &[PathBuf]) -> MountedChanges {
    let mut found = MountedChanges::default();
    for (service, definition) in &model.services {
        for bind in &definition.binds {
            for file in changed.iter().filter(|file| file.starts_with(&bind.source)) {
                if bind.target == INIT_SCRIPTS {
                    // A removed script needs nothing: the running database never depended on it.
                    if file.exists() {
                        found.init_scripts.push((service.clone(), file.clone()));
                    }
                } else {
                    found.restart.insert(service.clone());
                }
            }
        }
    }
    found
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
    use stack_core::model::{BindMount, ServiceModel};

    #[test]
    fn mounted_files_restart_their_service_and_init_scripts_are_set_apart() {
        let bind = |source: &str, target: &str| BindMount {
            source: PathBuf::from(source),
            target: target.to_string(),
        };
        let mut model = ComposeModel::default();
        model.services.insert(
            "redis".into(),
            ServiceModel {
                binds: vec![bind("/p/compose/redis", "/usr/local/etc/redis")],
                ..ServiceModel::default()
            },
        );
        model.services.insert(
            "postgres".into(),
            ServiceModel {
                binds: vec![bind("/p/compose/db", INIT_SCRIPTS)],
                ..ServiceModel::default()
            },
        );
        let db = tempfile::tempdir().expect("temp dir");
        let script = db.path().join("002_more.sql");
        std::fs::write(&script, "SELECT 1;").expect("write script");
        model.services.get_mut("postgres").expect("postgres").binds[0].source =
            db.path().to_path_buf();
        let changed = [
            PathBuf::from("/p/compose/redis/redis.conf"),
            script.clone(),
            db.path().join("001_removed.sql"),
            PathBuf::from("/p/env/local.env"),
        ];
        let found = mounted_changes(&model, &changed);
        assert_eq!(found.restart, BTreeSet::from(["redis".to_string()]));
        assert_eq!(
            found.init_scripts,
            vec![("postgres".to_string(), changed[1].clone())]
        );
        assert_eq!(
            mounted_changes(&model, &[PathBuf::from("/p/compose/compose.yaml")]),
            MountedChanges::default()
        );
    }

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
