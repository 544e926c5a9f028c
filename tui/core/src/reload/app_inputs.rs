//! Which files under edge-app/ are inputs of the app's build, as `spin watch` decides it: the
//! `watch` globs of each `[component.<id>.build]` in edge-app/spin.toml (relative to the build's
//! `workdir`, else to the manifest's folder), plus the manifest itself. A README or a test
//! fixture next to the sources then changes nothing.
//!
//! The rules are re-read whenever the manifest's modification time changes. Without a manifest,
//! or when it cannot be read or declares no `watch`, every file counts: a needless rebuild is
//! better than a change that never reaches the stack.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use globset::{Glob, GlobSet, GlobSetBuilder};

pub const MANIFEST: &str = "spin.toml";

/// One component's build inputs: globs relative to its working folder.
#[derive(Debug)]
struct ComponentInputs {
    workdir: PathBuf,
    globs: GlobSet,
}

#[derive(Debug)]
enum Rules {
    Components(Vec<ComponentInputs>),
    Everything,
}

#[derive(Debug)]
struct Loaded {
    modified: Option<SystemTime>,
    rules: Rules,
}

/// The app's build inputs, kept current with its manifest.
#[derive(Debug)]
pub struct AppInputs {
    app_dir: PathBuf,
    loaded: Mutex<Option<Loaded>>,
}

impl AppInputs {
    pub fn new(app_dir: PathBuf) -> Self {
        Self {
            app_dir,
            loaded: Mutex::new(None),
        }
    }

    /// Whether a change to `relative` (a path inside edge-app/) should rebuild the app.
    pub fn is_input(&self, relative: &Path) -> bool {
        if relative == Path::new(MANIFEST) {
            return true;
        }
        let manifest = self.app_dir.join(MANIFEST);
        let modified = std::fs::metadata(&manifest).and_then(|m| m.modified()).ok();
        let Ok(mut loaded) = self.loaded.lock() else {
            return true;
        };
        if loaded.as_ref().is_none_or(|l| l.modified != modified) {
            *loaded = Some(Loaded {
                modified,
                rules: read_rules(&manifest),
            });
        }
        match loaded.as_ref().map(|l| &l.rules) {
            Some(Rules::Components(components)) => components.iter().any(|c| {
                relative
                    .strip_prefix(&c.workdir)
                    .is_ok_and(|inside| c.globs.is_match(inside))
            }),
            Some(Rules::Everything) | None => true,
        }
    }
}

fn read_rules(manifest: &Path) -> Rules {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return Rules::Everything;
    };
    match parse_rules(&text) {
        Ok(Some(components)) => Rules::Components(components),
        Ok(None) => Rules::Everything,
        Err(e) => {
            tracing::warn!(manifest = %manifest.display(), "every edge-app file triggers a rebuild: {e}");
            Rules::Everything
        }
    }
}

/// The components' inputs, or `None` when no component declares `watch`.
fn parse_rules(text: &str) -> Result<Option<Vec<ComponentInputs>>, String> {
    let manifest: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let Some(components) = manifest.get("component").and_then(toml::Value::as_table) else {
        return Ok(None);
    };
    let mut inputs = Vec::new();
    for (id, component) in components {
        let Some(build) = component.get("build").and_then(toml::Value::as_table) else {
            continue;
        };
        let Some(patterns) = build.get("watch").and_then(toml::Value::as_array) else {
            continue;
        };
        let mut globs = GlobSetBuilder::new();
        for pattern in patterns {
            let pattern = pattern
                .as_str()
                .ok_or_else(|| format!("component {id}: a `watch` entry is not a string"))?;
            let glob = Glob::new(pattern)
                .map_err(|e| format!("component {id}: watch pattern {pattern:?}: {e}"))?;
            globs.add(glob);
        }
        let workdir = build
            .get("workdir")
            .and_then(toml::Value::as_str)
            .map_or_else(PathBuf::new, PathBuf::from);
        inputs.push(ComponentInputs {
            workdir,
            globs: globs.build().map_err(|e| format!("component {id}: {e}"))?,
        });
    }
    Ok((!inputs.is_empty()).then_some(inputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(manifest: Option<&str>) -> (tempfile::TempDir, AppInputs) {
        let dir = tempfile::tempdir().expect("temp dir");
        if let Some(text) = manifest {
            std::fs::write(dir.path().join(MANIFEST), text).expect("write manifest");
        }
        let inputs = AppInputs::new(dir.path().to_path_buf());
        (dir, inputs)
    }

    const WATCHING: &str = r#"
[component.web]
source = "dist/web.wasm"
[component.web.build]
command = "cargo build"
watch = ["src/**/*.rs", "Cargo.toml"]
"#;

    #[test]
    fn only_the_watch_globs_and_the_manifest_are_inputs() {
        let (_dir, inputs) = app(Some(WATCHING));
        for (path, expected) in [
            ("src/lib.rs", true),
            ("src/app/deep/mod.rs", true),
            ("Cargo.toml", true),
            ("spin.toml", true),
            ("README.md", false),
            ("src/notes.txt", false),
            ("tests/fixture.json", false),
        ] {
            assert_eq!(inputs.is_input(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn an_edited_manifest_changes_the_rules() {
        let (dir, inputs) = app(Some(WATCHING));
        assert!(!inputs.is_input(Path::new("assets/site.css")));
        let wider = WATCHING.replace("\"Cargo.toml\"]", "\"Cargo.toml\", \"assets/**\"]");
        std::fs::write(dir.path().join(MANIFEST), wider).expect("rewrite");
        // The rules follow the modification time; make sure it moved on coarse clocks.
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(dir.path().join(MANIFEST))
            .and_then(|f| f.set_modified(later))
            .expect("touch");
        assert!(inputs.is_input(Path::new("assets/site.css")));
    }

    #[test]
    fn a_workdir_scopes_the_globs() {
        let text = WATCHING.replace("command = ", "workdir = \"web\"\ncommand = ");
        let (_dir, inputs) = app(Some(&text));
        assert!(inputs.is_input(Path::new("web/src/lib.rs")));
        assert!(!inputs.is_input(Path::new("src/lib.rs")));
    }

    #[test]
    fn without_usable_rules_everything_counts() {
        for manifest in [
            None,
            Some("[component.web]\nsource = \"x.wasm\"\n"),
            Some("not toml ["),
        ] {
            let (_dir, inputs) = app(manifest);
            assert!(inputs.is_input(Path::new("README.md")), "{manifest:?}");
        }
        let bad_glob = WATCHING.replace("src/**/*.rs", "src/[.rs");
        let (_dir, inputs) = app(Some(&bad_glob));
        assert!(inputs.is_input(Path::new("README.md")));
    }
}
