//! Which part of the stack a changed file belongs to — or that it is noise to ignore.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::app_inputs::AppInputs;

/// The parts of the project that reload independently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// edge-app sources or its manifest: rebuild the component.
    App,
    /// proxy-config/: test and reload nginx.
    Proxy,
    /// env files, compose files, profile overlays: validate and `compose up -d`.
    Stack,
    /// Schema migrations (`compose/db/migrations/*.sql`): run the one-shot migrate service.
    Db,
}

impl ChangeKind {
    /// Every kind, in the order commands and help list them.
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::App,
        ChangeKind::Proxy,
        ChangeKind::Db,
        ChangeKind::Stack,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::App => "app",
            ChangeKind::Proxy => "proxy",
            ChangeKind::Stack => "stack",
            ChangeKind::Db => "db",
        }
    }

    /// The kind a `:reload` / `stack-tui reload` part names.
    pub fn from_label(label: &str) -> Option<ChangeKind> {
        Self::ALL.into_iter().find(|kind| kind.label() == label)
    }

    /// "app, proxy, db or stack", for messages.
    pub fn labels_listed() -> String {
        let labels: Vec<&str> = Self::ALL.iter().map(|kind| kind.label()).collect();
        match labels.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => labels.join(""),
        }
    }
}

/// Where the watched parts live inside a project root.
#[derive(Debug, Clone)]
pub struct ProjectLayout {
    root: PathBuf,
    /// Which files under edge-app/ rebuild the app (spin.toml's `watch` globs).
    app_inputs: Arc<AppInputs>,
}

/// The app's folder, whose manifest names the build inputs.
const APP_DIR: &str = "edge-app";

/// Top-level folders and what a change inside each means.
const WATCHED: [(&str, ChangeKind); 7] = [
    ("edge-app", ChangeKind::App),
    ("proxy-config", ChangeKind::Proxy),
    ("env", ChangeKind::Stack),
    ("compose", ChangeKind::Stack),
    ("local", ChangeKind::Stack),
    ("dev", ChangeKind::Stack),
    ("prod", ChangeKind::Stack),
];

/// Where the numbered migrations live; inside compose/, but a change there is a `Db` change.
/// Only `.sql` files count (a README there triggers nothing).
const MIGRATIONS_DIR: &str = "compose/db/migrations";

/// Folders that hold generated output; changes there are effects of a reload, never causes.
const GENERATED_DIRS: [&str; 4] = ["target", ".git", "node_modules", "dist"];

/// Generated folders that belong to one part only (secrets and certificates are written by the
/// preparation step, and a reload must not react to its own output).
const GENERATED_PATHS: [&str; 4] = [
    "env/secrets",
    "proxy-config/tls",
    "compose/images/app/stage",
    "edge-app/.component-cache",
];

impl ProjectLayout {
    /// A relative root is made absolute: the OS watcher reports absolute paths.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let root = std::path::absolute(&root).unwrap_or(root);
        Self {
            app_inputs: Arc::new(AppInputs::new(root.join(APP_DIR))),
            root,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folders to watch recursively (those that exist).
    pub fn watched_dirs(&self) -> Vec<PathBuf> {
        WATCHED
            .iter()
            .map(|(dir, _)| self.root.join(dir))
            .filter(|dir| dir.is_dir())
            .collect()
    }

    /// The part a changed path belongs to, or `None` for paths that must not trigger a reload.
    pub fn classify(&self, path: &Path) -> Option<ChangeKind> {
        let relative = path.strip_prefix(&self.root).ok()?;
        let mut parts = relative.components().filter_map(|part| match part {
            Component::Normal(name) => name.to_str(),
            _ => None,
        });
        let top = parts.next()?;
        let kind = WATCHED
            .iter()
            .find(|(dir, _)| *dir == top)
            .map(|(_, kind)| *kind)?;
        let rest: Vec<&str> = parts.collect();
        let file_name = rest.last()?;
        if rest[..rest.len() - 1]
            .iter()
            .any(|dir| GENERATED_DIRS.contains(dir))
            || GENERATED_PATHS
                .iter()
                .any(|generated| relative.starts_with(generated))
            || is_noise_file(file_name)
        {
            return None;
        }
        if kind == ChangeKind::App && !self.app_inputs.is_input(Path::new(&rest.join("/"))) {
            return None;
        }
        if relative.starts_with(MIGRATIONS_DIR) {
            return file_name.ends_with(".sql").then_some(ChangeKind::Db);
        }
        Some(kind)
    }
}

/// Editor swap/backup files, temp files of atomic saves, and logs.
fn is_noise_file(name: &str) -> bool {
    const SUFFIXES: [&str; 7] = ["~", ".swp", ".swx", ".swo", ".tmp", ".log", ".orig"];
    name.starts_with(".#")
        || name.starts_with(".~")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name == ".DS_Store"
        || SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths_by_folder_and_ignores_noise() {
        let layout = ProjectLayout::new("/p");
        let cases: &[(&str, Option<ChangeKind>)] = &[
            ("/p/edge-app/src/lib.rs", Some(ChangeKind::App)),
            ("/p/edge-app/spin.toml", Some(ChangeKind::App)),
            ("/p/edge-app/Cargo.toml", Some(ChangeKind::App)),
            (
                "/p/proxy-config/conf.d/default.conf",
                Some(ChangeKind::Proxy),
            ),
            ("/p/proxy-config/nginx.conf", Some(ChangeKind::Proxy)),
            ("/p/env/local.env", Some(ChangeKind::Stack)),
            ("/p/compose/compose.yaml", Some(ChangeKind::Stack)),
            ("/p/local/compose.yaml", Some(ChangeKind::Stack)),
            ("/p/prod/compose.yaml", Some(ChangeKind::Stack)),
            // generated output and secrets
            ("/p/edge-app/dist/edge_app.wasm", None),
            ("/p/edge-app/.component-cache/0a1b-2c3d.cwasm", None),
            ("/p/edge-app/target/debug/x", None),
            ("/p/env/secrets/db_password", None),
            ("/p/proxy-config/tls/cert.pem", None),
            ("/p/compose/images/app/stage/edge-host", None),
            ("/p/compose/images/app/stage/dist/edge_app.wasm", None),
            ("/p/compose/images/app/stage/spin.toml", None),
            ("/p/compose/images/app/Dockerfile", Some(ChangeKind::Stack)),
            // migrations are their own part; the init script stays a stack file
            (
                "/p/compose/db/migrations/V2__add_tags.sql",
                Some(ChangeKind::Db),
            ),
            ("/p/compose/db/migrations/README.md", None),
            ("/p/compose/db/migrations/.V2__add_tags.sql.swp", None),
            ("/p/compose/db/000_app_role.sh", Some(ChangeKind::Stack)),
            // editor and atomic-save noise
            ("/p/edge-app/src/.lib.rs.swp", None),
            ("/p/edge-app/src/lib.rs~", None),
            ("/p/proxy-config/.#nginx.conf", None),
            ("/p/proxy-config/4913", None),
            ("/p/proxy-config/nginx.conf.tmp", None),
            ("/p/env/#local.env#", None),
            ("/p/local/stack.log", None),
            // outside the watched parts
            ("/p/README.md", None),
            ("/p/tui/src/main.rs", None),
            ("/elsewhere/edge-app/src/lib.rs", None),
            ("/p/edge-app", None),
        ];
        for (path, expected) in cases {
            assert_eq!(layout.classify(Path::new(path)), *expected, "{path}");
        }
    }

    #[test]
    fn in_this_repository_only_the_manifests_build_inputs_rebuild_the_app() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let layout = ProjectLayout::new(&root);
        let app = |file: &str| layout.classify(&layout.root().join("edge-app").join(file));
        assert_eq!(app("src/app/root.rs"), Some(ChangeKind::App));
        assert_eq!(app("Cargo.toml"), Some(ChangeKind::App));
        assert_eq!(app("spin.toml"), Some(ChangeKind::App));
        assert_eq!(app("README.md"), None, "docs do not rebuild the app");
    }

    #[test]
    fn kinds_are_named_by_their_labels() {
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::from_label(kind.label()), Some(kind));
        }
        assert_eq!(ChangeKind::from_label("database"), None);
        assert_eq!(ChangeKind::labels_listed(), "app, proxy, db or stack");
    }

    #[test]
    fn a_relative_root_matches_the_absolute_paths_of_events() {
        let layout = ProjectLayout::new(".");
        let here = std::env::current_dir().expect("current dir");
        assert_eq!(
            layout.classify(&here.join("edge-app/src/lib.rs")),
            Some(ChangeKind::App)
        );
    }

    #[test]
    fn watches_only_existing_folders() {
        let root = std::env::temp_dir().join(format!("stack-tui-layout-{}", std::process::id()));
        std::fs::create_dir_all(root.join("proxy-config")).expect("create folder");
        let watched = ProjectLayout::new(&root).watched_dirs();
        assert_eq!(watched, vec![root.join("proxy-config")]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
