//! The image-source drill: `stack-tui up` is asked to start the other image source (upstream ↔
//! stand-in) over the running profile's data volumes, as `STACK_IMAGE_SOURCE=… stack-tui up`
//! or a re-probed registry would. It must refuse before anything starts, name the fix, and
//! leave every container as it was. `up`'s preparation writes the forced source into
//! `env/images.env`; the heal writes the file back as it was.

use super::target::Stack;
use anyhow::Context;
use stack_core::image_source::{IMAGES_ENV, ImageSource};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// The refused `up` runs `compose/prepare` first (a few seconds when everything is built).
const UP_LIMIT: Duration = Duration::from_secs(300);
/// The line of `up`'s refusal that names the volumes (stack_core::image_source's headline).
const REFUSAL_MARK: &str = "image source: ";

/// `env/images.env` as it was before the drill; written back when dropped.
pub struct SavedImagesEnv {
    path: PathBuf,
    content: Option<Vec<u8>>,
}

impl SavedImagesEnv {
    pub fn save(stack: &Stack) -> anyhow::Result<Self> {
        let path = stack.profile.root.join(IMAGES_ENV);
        let content = match std::fs::read(&path) {
            Ok(content) => Some(content),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(err).with_context(|| format!("cannot read {IMAGES_ENV}")),
        };
        Ok(Self { path, content })
    }

    /// The source the file names now (the one the running profile was started with).
    pub fn source(&self) -> Option<ImageSource> {
        let text = String::from_utf8_lossy(self.content.as_deref()?).into_owned();
        text.lines()
            .find_map(|line| line.trim().strip_prefix("STACK_IMAGE_SOURCE="))
            .and_then(ImageSource::parse)
    }

    /// Writes the file back; the error names the file and what it held.
    pub fn restore(&self) -> Result<(), String> {
        let done = match &self.content {
            Some(content) => std::fs::write(&self.path, content),
            None => match std::fs::remove_file(&self.path) {
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
        };
        done.map_err(|err| {
            format!(
                "cannot write {} back ({err}). Recover with: compose/prepare --recheck-images, \
                 or put back the source the profile runs on",
                self.path.display()
            )
        })
    }
}

impl Drop for SavedImagesEnv {
    fn drop(&mut self) {
        if let Err(failure) = self.restore() {
            eprintln!("stack-tui drill: !!! HEAL FAILED: {failure}");
        }
    }
}

/// What the refused `up` said.
#[derive(Debug)]
pub struct Attempt {
    pub exit: Option<i32>,
    /// The refusal's headline, when `up` printed one.
    pub refusal: Option<String>,
    /// Whether the refusal named the way back (`STACK_IMAGE_SOURCE=<old> … up`).
    pub names_fix: bool,
}

/// Every container of the project with its start time: a refused `up` changes none of them.
pub async fn fingerprint(stack: &Stack) -> anyhow::Result<Vec<(String, String)>> {
    let mut seen = Vec::new();
    for container in stack.containers().await? {
        let victim = super::fault::Victim {
            id: container.id.clone(),
            name: container.name.clone(),
        };
        let state = super::fault::state(&stack.docker, &victim).await?;
        seen.push((container.id, state.started_at));
    }
    seen.sort();
    Ok(seen)
}

/// Runs this very binary's `up --detach` for the stack's profile with `other` forced.
pub async fn attempt(
    stack: &Stack,
    recorded: ImageSource,
    other: ImageSource,
) -> anyhow::Result<Attempt> {
    let profile = &stack.profile;
    let prefix = profile
        .project
        .strip_suffix(&format!("-{}", profile.name))
        .unwrap_or(&profile.project);
    // /proc/self/exe still runs this binary when a rebuild has replaced the file on disk.
    let exe = match std::path::Path::new("/proc/self/exe") {
        proc_exe if proc_exe.exists() => proc_exe.to_path_buf(),
        _ => std::env::current_exe().context("cannot find the stack-tui binary")?,
    };
    let child = tokio::process::Command::new(exe)
        .arg("--root")
        .arg(&profile.root)
        .args(["--project-prefix", prefix, "--profile", &profile.name])
        .args(["up", "--detach"])
        .env("STACK_IMAGE_SOURCE", other.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start stack-tui up")?;
    let output = tokio::time::timeout(UP_LIMIT, child.wait_with_output())
        .await
        .with_context(|| format!("stack-tui up did not end within {} s", UP_LIMIT.as_secs()))?
        .context("stack-tui up failed to run")?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let refusal = said
        .lines()
        .find(|line| line.contains(REFUSAL_MARK) && line.contains(other.as_str()))
        .map(|line| line.trim().trim_end_matches(':').to_string());
    let go_back = format!("STACK_IMAGE_SOURCE={}", recorded.as_str());
    Ok(Attempt {
        exit: output.status.code(),
        refusal,
        names_fix: said.contains(&go_back),
    })
}
