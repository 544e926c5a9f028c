//! What to do for a change: a reload plan per kind of change and profile, decided without I/O.

use super::classify::ChangeKind;
use crate::model::ProfilePolicy;

/// One step of a reload, in the order it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `spin.toml`'s `[component.*.build] command`, run as `spin build` runs it. The project's
    /// (`cargo xtask build-app --precompile`) builds the component, compiles it for edge-host
    /// into the cache the local app mounts (so the swap skips compilation) and installs it by
    /// rename into `edge-app/dist/`, which edge-host watches in the local profile.
    BuildComponent,
    /// Wait until edge-host serves the manifest and component now on disk (its info document
    /// names their SHA-256); a rejected swap fails with edge-host's reason.
    ConfirmSwap,
    /// Copy the installed component and the manifest into the app image's build context.
    StageApp,
    /// `docker compose build app`.
    BuildAppImage,
    /// Replace the app's replicas one at a time, each new one healthy before an old one goes.
    RollReplicas,
    /// `nginx -t` inside the running nginx container.
    TestProxyConfig,
    /// `nginx -s reload`, done once every worker process is a new one: nginx keeps its old
    /// workers when it cannot apply a configuration that passed `nginx -t`.
    ReloadProxy,
    /// `docker compose config`: the merged files must be valid before anything is touched.
    ValidateCompose,
    /// `docker compose up -d` for this profile; compose recreates only what changed.
    ApplyCompose,
    /// `docker compose run --rm --no-deps -T migrate`: the one-shot migration runner against the
    /// running database; a refused or failing migration fails the step with its message.
    RunMigrations,
}

impl Step {
    /// Whether a newer save of the same part may stop this step and start over: only the
    /// component build, which writes nothing the running stack reads.
    pub fn supersedable(self) -> bool {
        self == Step::BuildComponent
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::BuildComponent => "build component",
            Step::ConfirmSwap => "confirm edge-host serves it",
            Step::StageApp => "stage component for the app image",
            Step::BuildAppImage => "docker compose build app",
            Step::RollReplicas => "rolling replace of app replicas",
            Step::TestProxyConfig => "nginx -t",
            Step::ReloadProxy => "nginx -s reload",
            Step::ValidateCompose => "docker compose config",
            Step::ApplyCompose => "docker compose up -d",
            Step::RunMigrations => "docker compose run migrate",
        }
    }
}

/// Why a change leads to no reload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoPlan {
    #[error(
        "hot reload is off for the prod profile; start the watcher with --allow-prod to reload prod"
    )]
    ProdNotAllowed,
    #[error(
        "restart needed: this profile runs the migrations baked into its app image, so a saved \
         migration is not applied now; `stack-tui --profile {profile} up` rebuilds the image and \
         runs them before the app starts"
    )]
    MigrationsBaked { profile: String },
}

/// The steps for `kind` in `profile`; `allow_prod` is the user's explicit opt-in for prod.
pub fn plan_for(kind: ChangeKind, profile: &str, allow_prod: bool) -> Result<Vec<Step>, NoPlan> {
    let policy = ProfilePolicy::of(profile);
    // Said first: even with --allow-prod, nothing would apply a migration here.
    if kind == ChangeKind::Db && !policy.live_migrations {
        return Err(NoPlan::MigrationsBaked {
            profile: profile.to_string(),
        });
    }
    if policy.protected && !allow_prod {
        return Err(NoPlan::ProdNotAllowed);
    }
    Ok(match kind {
        ChangeKind::App if policy.hot_swap => vec![Step::BuildComponent, Step::ConfirmSwap],
        ChangeKind::App => vec![
            Step::BuildComponent,
            Step::StageApp,
            Step::BuildAppImage,
            Step::RollReplicas,
        ],
        ChangeKind::Proxy => vec![Step::TestProxyConfig, Step::ReloadProxy],
        ChangeKind::Stack => vec![Step::ValidateCompose, Step::ApplyCompose],
        ChangeKind::Db => vec![Step::RunMigrations],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case = (ChangeKind, &'static str, bool, Result<Vec<Step>, NoPlan>);
    const ROLLING: [Step; 4] = [
        Step::BuildComponent,
        Step::StageApp,
        Step::BuildAppImage,
        Step::RollReplicas,
    ];

    fn baked(profile: &str) -> NoPlan {
        NoPlan::MigrationsBaked {
            profile: profile.into(),
        }
    }

    #[test]
    fn a_saved_migration_runs_the_migrations_in_local_and_dev_and_needs_a_restart_in_prod() {
        let layout = super::super::ProjectLayout::new("/p");
        let path = std::path::Path::new("/p/compose/db/migrations/V2__add_tags.sql");
        let kind = layout.classify(path).expect("a migration is watched");
        assert_eq!(kind, ChangeKind::Db);
        for profile in ["local", "dev"] {
            assert_eq!(
                plan_for(kind, profile, false),
                Ok(vec![Step::RunMigrations])
            );
        }
        let prod = plan_for(kind, "prod", true).expect_err("prod is not migrated live");
        assert!(prod.to_string().starts_with("restart needed"), "{prod}");
    }

    #[test]
    fn plans_by_kind_and_profile() {
        use ChangeKind::*;
        let cases: &[Case] = &[
            (
                App,
                "local",
                false,
                Ok(vec![Step::BuildComponent, Step::ConfirmSwap]),
            ),
            (
                Proxy,
                "local",
                false,
                Ok(vec![Step::TestProxyConfig, Step::ReloadProxy]),
            ),
            (
                Proxy,
                "dev",
                false,
                Ok(vec![Step::TestProxyConfig, Step::ReloadProxy]),
            ),
            (
                Stack,
                "dev",
                false,
                Ok(vec![Step::ValidateCompose, Step::ApplyCompose]),
            ),
            (Stack, "prod", false, Err(NoPlan::ProdNotAllowed)),
            (Proxy, "prod", false, Err(NoPlan::ProdNotAllowed)),
            (
                Proxy,
                "prod",
                true,
                Ok(vec![Step::TestProxyConfig, Step::ReloadProxy]),
            ),
            (App, "dev", false, Ok(ROLLING.to_vec())),
            (App, "prod", false, Err(NoPlan::ProdNotAllowed)),
            (App, "prod", true, Ok(ROLLING.to_vec())),
            (Db, "local", false, Ok(vec![Step::RunMigrations])),
            (Db, "dev", false, Ok(vec![Step::RunMigrations])),
            (Db, "prod", false, Err(baked("prod"))),
            (Db, "prod", true, Err(baked("prod"))),
        ];
        for (kind, profile, allow_prod, expected) in cases {
            assert_eq!(
                &plan_for(*kind, profile, *allow_prod),
                expected,
                "{kind:?} in {profile} (allow_prod {allow_prod})"
            );
        }
    }
}
