//! A project follows one layout: `compose/compose.yaml` (base), `<profile>/compose.yaml` (overlay),
//! `env/common.env`, `env/images.env` (written by the preparation script) and `env/<profile>.env`; each profile runs as project `<prefix>-<profile>`.
//! Opt-in overlays (`compose/<name>/compose.yaml`, such as `monitoring`) come last for a project
//! that `up --with <name>` turned them on for, recorded in `env/overlays/<project>` until `down`.

use super::error::ComposeError;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub const BASE_FILE: &str = "compose/compose.yaml";
pub const OVERLAY_FILE: &str = "compose.yaml";
/// Where the opt-in overlays turned on for each project are recorded (one name per line).
pub const OVERLAYS_RECORD_DIR: &str = "env/overlays";
/// Well-known profiles first, in this order; any other overlay directory follows alphabetically.
const KNOWN_ORDER: [&str; 3] = ["local", "dev", "prod"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub root: PathBuf,
    /// Project names are `<prefix>-<profile>`; tests use their own prefix.
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub project: String,
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
    /// Env files in precedence order; those that exist when a command runs are passed (the
    /// preparation script writes `images.env` on the first `up` of a fresh clone).
    pub env_files: Vec<PathBuf>,
    /// Opt-in overlays turned on for this project (their files are the last of `files`).
    pub overlays: Vec<String>,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>, prefix: impl Into<String>) -> Self {
        Self {
            root: root.into(),
            prefix: prefix.into(),
        }
    }

    /// Directories next to `compose/` that hold a `compose.yaml` overlay.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.path().join(OVERLAY_FILE).is_file())
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name != "compose" && !name.starts_with('.'))
            .collect();
        names.sort_by_key(|name| {
            let rank = KNOWN_ORDER.iter().position(|known| known == name);
            (rank.unwrap_or(KNOWN_ORDER.len()), name.clone())
        });
        names
    }

    pub fn profile(&self, name: &str) -> Result<Profile, ComposeError> {
        let base = self.root.join(BASE_FILE);
        if !base.is_file() {
            return Err(ComposeError::NoProject {
                root: self.root.clone(),
            });
        }
        let known = self.profile_names();
        if !known.iter().any(|known| known == name) {
            return Err(ComposeError::UnknownProfile {
                name: name.to_string(),
                root: self.root.display().to_string(),
                known: if known.is_empty() {
                    "no <profile>/compose.yaml overlays".to_string()
                } else {
                    format!("profiles {}", known.join(", "))
                },
            });
        }
        // Later files win: shared settings, the generated image choice, then the profile.
        let env_files = ["common", "images", name]
            .iter()
            .map(|env| self.root.join("env").join(format!("{env}.env")))
            .collect();
        let project = format!("{}-{name}", self.prefix);
        let overlays = self.overlays_on(&project);
        let mut files = vec![base, self.root.join(name).join(OVERLAY_FILE)];
        files.extend(overlays.iter().map(|overlay| self.overlay_file(overlay)));
        Ok(Profile {
            name: name.to_string(),
            project,
            root: self.root.clone(),
            files,
            env_files,
            overlays,
        })
    }

    /// The opt-in overlays this project has: folders of `compose/` holding a `compose.yaml`.
    pub fn overlay_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root.join("compose"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.path().join(OVERLAY_FILE).is_file())
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }

    pub fn overlay_file(&self, overlay: &str) -> PathBuf {
        self.root.join("compose").join(overlay).join(OVERLAY_FILE)
    }

    /// The record of the overlays turned on for `project`.
    pub fn overlays_record(&self, project: &str) -> PathBuf {
        self.root.join(OVERLAYS_RECORD_DIR).join(project)
    }

    /// Overlays recorded for `project` that still exist, in the record's order; a missing or
    /// unreadable record means none.
    fn overlays_on(&self, project: &str) -> Vec<String> {
        let known = self.overlay_names();
        let text = std::fs::read_to_string(self.overlays_record(project)).unwrap_or_default();
        let mut on: Vec<String> = Vec::new();
        for name in text.lines().map(str::trim) {
            if known.iter().any(|k| k == name) && !on.iter().any(|o| o == name) {
                on.push(name.to_string());
            }
        }
        on
    }

    pub fn profiles(&self) -> Vec<Profile> {
        self.profile_names()
            .iter()
            .filter_map(|name| self.profile(name).ok())
            .collect()
    }

    /// The project's preparation script (secrets, certs, artifacts, image selection), if any.
    pub fn prepare_script(&self) -> Option<PathBuf> {
        ["compose/prepare", "compose/prepare.sh"]
            .iter()
            .map(|relative| self.root.join(relative))
            .find(|path| path.is_file())
    }
}

impl Profile {
    /// The arguments that follow `docker compose` for every command on this profile.
    pub fn compose_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["-p".into(), self.project.clone().into()];
        for env in self.env_files.iter().filter(|path| path.is_file()) {
            args.push("--env-file".into());
            args.push(env.clone().into());
        }
        for file in &self.files {
            args.push("-f".into());
            args.push(file.clone().into());
        }
        args
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dirs: &[&str]) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("compose")).expect("mkdir");
        std::fs::write(root.path().join(BASE_FILE), "services: {}\n").expect("base");
        std::fs::create_dir_all(root.path().join("env")).expect("mkdir env");
        std::fs::write(root.path().join("env/common.env"), "").expect("env");
        for dir in dirs {
            std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
            std::fs::write(root.path().join(dir).join(OVERLAY_FILE), "{}\n").expect("overlay");
        }
        root
    }

    #[test]
    fn recorded_overlays_come_last_and_only_for_their_project() {
        let root = project(&["local"]);
        std::fs::create_dir_all(root.path().join("compose/monitoring")).expect("mkdir");
        std::fs::write(root.path().join("compose/monitoring/compose.yaml"), "{}\n")
            .expect("overlay");
        // A folder without compose.yaml is no overlay.
        std::fs::create_dir_all(root.path().join("compose/db")).expect("mkdir");
        let layout = Layout::new(root.path(), "stack");
        assert_eq!(layout.overlay_names(), ["monitoring"]);
        assert!(
            layout
                .profile("local")
                .expect("profile")
                .overlays
                .is_empty()
        );

        let record = layout.overlays_record("stack-local");
        std::fs::create_dir_all(record.parent().expect("folder")).expect("mkdir");
        std::fs::write(&record, "monitoring\nmonitoring\ngone\n").expect("record");
        let profile = layout.profile("local").expect("profile");
        assert_eq!(profile.overlays, ["monitoring"], "known names, once");
        assert_eq!(
            profile.files.last(),
            Some(&root.path().join("compose/monitoring/compose.yaml"))
        );
        assert_eq!(profile.files.len(), 3);
        let other = Layout::new(root.path(), "test")
            .profile("local")
            .expect("profile");
        assert!(other.overlays.is_empty(), "another project's record");
    }

    #[test]
    fn discovers_profiles_in_a_stable_order() {
        let root = project(&["prod", "staging", "local", "dev"]);
        let layout = Layout::new(root.path(), "stack");
        assert_eq!(layout.profile_names(), ["local", "dev", "prod", "staging"]);
    }

    #[test]
    fn builds_compose_arguments_for_a_profile() {
        let root = project(&["local"]);
        let profile = Layout::new(root.path(), "stack")
            .profile("local")
            .expect("profile");
        assert_eq!(profile.project, "stack-local");
        let args: Vec<String> = profile
            .compose_args()
            .iter()
            .map(|arg| {
                arg.to_string_lossy()
                    .replace(&root.path().display().to_string(), "ROOT")
            })
            .collect();
        // env/local.env does not exist, so only common.env is passed.
        assert_eq!(
            args,
            [
                "-p",
                "stack-local",
                "--env-file",
                "ROOT/env/common.env",
                "-f",
                "ROOT/compose/compose.yaml",
                "-f",
                "ROOT/local/compose.yaml"
            ]
        );
    }

    #[test]
    fn env_files_written_after_the_profile_was_resolved_are_passed() {
        let root = project(&["local"]);
        let profile = Layout::new(root.path(), "stack")
            .profile("local")
            .expect("profile");
        let passes_images = |profile: &Profile| {
            profile
                .compose_args()
                .iter()
                .any(|arg| arg.to_string_lossy().ends_with("env/images.env"))
        };
        assert!(!passes_images(&profile));
        // What the preparation script does on the first `up` of a fresh clone.
        std::fs::write(
            root.path().join("env/images.env"),
            "STACK_IMAGE_SOURCE=standin\n",
        )
        .expect("write images.env");
        assert!(passes_images(&profile));
    }

    #[test]
    fn unknown_profile_names_the_known_ones() {
        let root = project(&["local", "dev"]);
        let error = Layout::new(root.path(), "stack")
            .profile("qa")
            .expect_err("unknown");
        let message = error.to_string();
        assert!(
            message.contains("\"qa\"") && message.contains("local, dev"),
            "{message}"
        );
    }

    #[test]
    fn missing_base_file_is_reported() {
        let root = tempfile::tempdir().expect("temp dir");
        let error = Layout::new(root.path(), "stack")
            .profile("local")
            .expect_err("no project");
        assert!(matches!(error, ComposeError::NoProject { .. }));
    }
}
