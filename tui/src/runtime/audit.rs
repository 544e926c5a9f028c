//! Gathers an audit's inputs (the merged compose model, the host files it names, the running
//! containers) and builds the report. Shared by `stack-tui audit` and the dashboard's Audit panel.

use crate::compose::Compose;
use crate::docker::{self, DockerError};
use stack_core::audit::from_files;
use stack_core::audit::host_files;
use stack_core::audit::subject::Context;
use stack_core::audit::suppress;
use stack_core::audit::{Inputs, Report};
use stack_core::model::{ComposeError, Layout, Profile};

/// Which sources an audit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Both,
    Static,
    Runtime,
}

impl Scope {
    fn files(self) -> bool {
        self != Self::Runtime
    }

    fn containers(self) -> bool {
        self != Self::Static
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error(transparent)]
    Model(#[from] from_files::ModelError),
    #[error(transparent)]
    Suppressions(#[from] suppress::SuppressError),
    #[error(transparent)]
    Docker(#[from] DockerError),
    #[error(
        "profile {profile} has no running containers (project {project}): start it with \
         `stack-tui up --profile {profile}`, or audit only its files with --static"
    )]
    NotRunning { profile: String, project: String },
}

pub async fn audit_profile(
    layout: &Layout,
    profile: &str,
    scope: Scope,
) -> Result<Report, AuditError> {
    audit(&layout.profile(profile)?, scope).await
}

/// The audit of one profile as given (its project name and env files included).
pub async fn audit(profile: &Profile, scope: Scope) -> Result<Report, AuditError> {
    let suppressions = suppress::load(&profile.root.join(&profile.name).join(suppress::FILE_NAME))?;
    let now = chrono::Utc::now().timestamp();
    let mut inputs = Inputs {
        suppressions,
        ..Inputs::default()
    };
    if scope.files() {
        let text = Compose::new(profile.clone()).config_json(&[]).await?;
        let mut model = from_files::parse(&text)?;
        host_files::attach(&mut model);
        let context = Context {
            internal_networks: model.internal_networks,
            now,
        };
        inputs.files = Some((model.subjects, context));
    }
    if scope.containers() {
        let engine = docker::connect().await?;
        let (subjects, internal_networks) =
            docker::audit::project_subjects(&engine, &profile.project)
                .await
                .map_err(DockerError::from)?;
        if subjects.is_empty() {
            return Err(AuditError::NotRunning {
                profile: profile.name.clone(),
                project: profile.project.clone(),
            });
        }
        let context = Context {
            internal_networks,
            now,
        };
        inputs.containers = Some((subjects, context));
    }
    Ok(Report::build(&profile.name, &profile.project, inputs))
}
