//! Runs `docker compose` for a profile. Output is captured (the dashboard must not be drawn over)
//! unless the caller asks for the terminal, as the `up`/`down` commands do for progress.

use crate::docker::command as docker_cli;
use stack_core::model::{ComposeError, ComposeModel, Profile};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::process::Stdio;
use tokio::process::Command;

/// Keeps error messages short: compose can print pages on failure.
const STDERR_TAIL_BYTES: usize = 2000;

/// Where a compose command's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Captured,
    Terminal,
}

/// Checks that Compose v2 is present, telling a v1-only host apart from a host with neither.
pub async fn detect_version() -> Result<String, ComposeError> {
    let v2 = docker_cli::docker()
        .args(["compose", "version", "--short"])
        .stdin(Stdio::null())
        .output()
        .await;
    let detail = match v2 {
        Ok(output) if output.status.success() => {
            return Ok(String::from_utf8_lossy(&output.stdout).trim().to_string());
        }
        Ok(output) => String::from_utf8_lossy(&output.stderr).trim().to_string(),
        Err(err) => err.to_string(),
    };
    let v1 = Command::new("docker-compose")
        .args(["version", "--short"])
        .stdin(Stdio::null())
        .output()
        .await;
    if let Ok(output) = v1 {
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if output.status.success() && version.starts_with("1.") {
            return Err(ComposeError::V1Only { version });
        }
    }
    Err(ComposeError::Missing { detail })
}

/// A compose driver bound to one profile.
/// What a one-shot service printed, and whether it exited 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneShotRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone)]
pub struct Compose {
    profile: Profile,
}

impl Compose {
    pub fn new(profile: Profile) -> Self {
        Self { profile }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// How to invoke stack-tui for this profile, for the fixes errors print.
    pub fn stack_tui_command(&self) -> String {
        let profile = &self.profile;
        let prefix = profile
            .project
            .strip_suffix(&format!("-{}", profile.name))
            .unwrap_or("stack");
        if prefix == "stack" {
            format!("stack-tui --profile {}", profile.name)
        } else {
            format!(
                "stack-tui --project-prefix {prefix} --profile {}",
                profile.name
            )
        }
    }

    fn command(&self, args: &[&str]) -> (Command, String) {
        let mut command = docker_cli::docker();
        let mut all: Vec<OsString> = vec!["compose".into()];
        all.extend(self.profile.compose_args());
        all.extend(args.iter().map(OsString::from));
        let pinned: String = docker_cli::pinned_args()
            .iter()
            .map(|arg| format!("{arg} "))
            .collect();
        let printable = format!(
            "docker {pinned}compose -p {} {}",
            self.profile.project,
            args.join(" ")
        );
        command
            .args(all)
            .current_dir(self.profile.root())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        (command, printable)
    }

    /// Runs compose with the user's own arguments on the terminal (stdin included, for `exec`
    /// and `run`); returns compose's exit code.
    pub async fn passthrough(&self, args: &[String]) -> Result<i32, ComposeError> {
        let borrowed: Vec<&str> = args.iter().map(String::as_str).collect();
        let (mut command, printable) = self.command(&borrowed);
        let status = command
            .stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .kill_on_drop(false)
            .status()
            .await
            .map_err(|source| ComposeError::Spawn {
                command: printable,
                source,
            })?;
        // A signal (Ctrl-C in `logs -f`) has no code: report it as the shell would.
        Ok(status.code().unwrap_or(130))
    }

    async fn run(&self, args: &[&str], output: Output) -> Result<String, ComposeError> {
        self.run_with_env(args, output, &[]).await
    }

    async fn run_with_env(
        &self,
        args: &[&str],
        output: Output,
        env: &[(&str, &str)],
    ) -> Result<String, ComposeError> {
        let (mut command, printable) = self.command(args);
        command.envs(env.iter().copied());
        let result = match output {
            Output::Captured => command.output().await,
            Output::Terminal => command
                .stdout(Stdio::inherit())
                .stderr(Stdio::inherit())
                .status()
                .await
                .map(|status| std::process::Output {
                    status,
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                }),
        };
        let finished = result.map_err(|source| ComposeError::Spawn {
            command: printable.clone(),
            source,
        })?;
        if finished.status.success() {
            return Ok(String::from_utf8_lossy(&finished.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&finished.stderr);
        let start = stderr.len().saturating_sub(STDERR_TAIL_BYTES);
        let tail = stderr.get(start..).unwrap_or(&stderr).trim().to_string();
        Err(ComposeError::Failed {
            command: printable,
            status: finished.status.to_string(),
            stderr: if tail.is_empty() {
                "see the output above".into()
            } else {
                tail
            },
        })
    }

    /// Each service's configuration hash as compose would stamp it on a container now.
    pub async fn config_hashes(&self) -> Result<BTreeMap<String, String>, ComposeError> {
        let text = self
            .run(&["config", "--hash", "*"], Output::Captured)
            .await?;
        Ok(text
            .lines()
            .filter_map(|line| line.trim().split_once(' '))
            .map(|(service, hash)| (service.to_string(), hash.trim().to_string()))
            .collect())
    }

    pub async fn model(&self) -> Result<ComposeModel, ComposeError> {
        ComposeModel::from_json(&self.config_json(&[]).await?)
    }

    /// The merged model as compose prints it (`config --format json`), for readers that need
    /// more of it than `ComposeModel` keeps, interpolated with `env` set (the shell environment
    /// beats the env files).
    pub async fn config_json(&self, env: &[(&str, &str)]) -> Result<String, ComposeError> {
        self.run_with_env(&["config", "--format", "json"], Output::Captured, env)
            .await
    }

    /// `up -d --build`; with `wait` it also waits for healthchecks.
    pub async fn up(&self, wait: bool, output: Output) -> Result<(), ComposeError> {
        self.up_all(wait, false, output).await
    }

    /// [`Self::up`] with every container created anew (`--force-recreate`), so each reads the
    /// files it mounts (the secrets) as they are now.
    pub async fn up_recreated(&self, wait: bool, output: Output) -> Result<(), ComposeError> {
        self.up_all(wait, true, output).await
    }

    async fn up_all(&self, wait: bool, recreate: bool, output: Output) -> Result<(), ComposeError> {
        let mut args = vec!["up", "--detach", "--build", "--remove-orphans"];
        if wait {
            args.push("--wait");
        }
        if recreate {
            args.push("--force-recreate");
        }
        self.run(&args, output).await.map(drop)
    }

    /// `up --detach --wait SERVICE…`: these services (and what they depend on) running and
    /// healthy; with `recreate`, these services created anew.
    pub async fn up_services(
        &self,
        services: &[&str],
        recreate: bool,
        output: Output,
    ) -> Result<(), ComposeError> {
        let mut args = vec!["up", "--detach", "--wait"];
        if recreate {
            args.push("--force-recreate");
        }
        args.extend_from_slice(services);
        self.run(&args, output).await.map(drop)
    }

    pub async fn down(&self, volumes: bool, output: Output) -> Result<(), ComposeError> {
        let mut args = vec!["down", "--remove-orphans"];
        if volumes {
            args.push("--volumes");
        }
        self.run(&args, output).await.map(drop)
    }

    /// Builds the images of `service` (the app's image from what compose/prepare staged).
    pub async fn build(&self, service: &str) -> Result<(), ComposeError> {
        self.run(&["build", service], Output::Captured)
            .await
            .map(drop)
    }

    /// Adds replicas of `service` up to `replicas` from its current image, leaving the existing
    /// containers (its own and its dependencies') as they are: one step of a rolling replace.
    /// No `--no-deps`: it changes the configuration hash compose stamps on the new container, and
    /// the next `up -d` would then recreate every replica at once.
    pub async fn add_replicas(&self, service: &str, replicas: usize) -> Result<(), ComposeError> {
        let scale = format!("{service}={replicas}");
        let args = [
            "up",
            "--detach",
            "--no-recreate",
            "--no-build",
            "--scale",
            &scale,
            service,
        ];
        self.run(&args, Output::Captured).await.map(drop)
    }

    /// Restarts the containers of `service` as they are (a changed bind-mounted file is then
    /// read again by the process).
    pub async fn restart(&self, service: &str) -> Result<(), ComposeError> {
        self.run(&["restart", service], Output::Captured)
            .await
            .map(drop)
    }

    /// `run --rm --no-deps -T SERVICE`: one run of a one-shot service (the migrations) against
    /// the running stack, with its own output whatever its exit status.
    pub async fn run_one_shot(&self, service: &str) -> Result<OneShotRun, ComposeError> {
        let (mut command, printable) = self.command(&["run", "--rm", "--no-deps", "-T", service]);
        let finished = command
            .output()
            .await
            .map_err(|source| ComposeError::Spawn {
                command: printable,
                source,
            })?;
        Ok(OneShotRun {
            success: finished.status.success(),
            stdout: String::from_utf8_lossy(&finished.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&finished.stderr).into_owned(),
        })
    }

    /// `up --detach --no-build SERVICE`: brings one service to its current configuration and
    /// image, its dependencies as they are. Not `--no-deps`, for the reason in `add_replicas`.
    pub async fn update(&self, service: &str) -> Result<(), ComposeError> {
        let args = ["up", "--detach", "--no-build", service];
        self.run(&args, Output::Captured).await.map(drop)
    }

    pub async fn recreate(&self, service: &str) -> Result<(), ComposeError> {
        let args = ["up", "--detach", "--force-recreate", "--no-deps", service];
        self.run(&args, Output::Captured).await.map(drop)
    }
}
