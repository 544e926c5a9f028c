//! A copy of the repository in a temporary folder, its profile up under a project name of its own
//! on a free loopback port, with an app image tag of its own; all removed again on drop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use test_support::stack::{Turn, compose_stdout, exclusive, prepare, remove_dangling_test_images};
use test_support::{free_port, repo_root};

pub struct Scratch {
    pub root: PathBuf,
    pub profile: &'static str,
    /// `--project-prefix` for stack-tui; the compose project is `<prefix>-<profile>`.
    pub prefix: String,
    pub http_port: u16,
    pub app_image: String,
    /// One stack at a time in this process (see `test_support::stack::exclusive`).
    _turn: Turn,
}

impl Scratch {
    /// Copies the project and brings `profile` up, waiting until every service is healthy.
    pub fn up(profile: &'static str) -> Self {
        let scratch = Self::copy(profile);
        scratch.start();
        scratch
    }

    /// Copies the project (without build output and git data) and stages the already built app
    /// artifacts; nothing runs yet, so files can be adjusted before `start`.
    pub fn copy(profile: &'static str) -> Self {
        let turn = exclusive();
        prepare();
        let pid = std::process::id();
        let root = std::env::temp_dir().join(format!("stack-tui-reload-{profile}-{pid}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create the scratch folder");
        let scratch = Self {
            root,
            profile,
            prefix: format!("stack-test-reload{pid}"),
            http_port: free_port(),
            app_image: format!("stack-tui/app:reload-test-{profile}-{pid}"),
            _turn: turn,
        };
        copy_tree(&repo_root(), &scratch.root);
        run_ok(
            Command::new(scratch.root.join("compose/prepare"))
                .args(["--skip-build", "--quiet"])
                .env("CARGO_TARGET_DIR", main_target_dir())
                .current_dir(&scratch.root),
        );
        scratch
    }

    /// Builds the app image under this scratch's tag and starts the profile, all healthy.
    pub fn start(&self) {
        // The same flags as `stack-tui up`, so the watcher's later `up -d` sees its own work.
        self.compose_ok(&["up", "--detach", "--build", "--remove-orphans", "--wait"]);
    }

    pub fn project(&self) -> String {
        format!("{}-{}", self.prefix, self.profile)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The environment that moves this stack off the default ports and image tag; the watcher
    /// process gets the same, so its compose commands address this stack.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STACK_BIND_ADDR", "127.0.0.1".into()),
            ("STACK_HTTP_PORT", self.http_port.to_string()),
            ("APP_IMAGE", self.app_image.clone()),
        ]
    }

    /// `docker compose` for the profile, invoked exactly as stack-tui invokes it (absolute file
    /// paths): compose's config hash depends on how it was invoked, and a difference would make
    /// the watcher's `up -d` recreate every service.
    pub fn compose(&self, args: &[&str]) -> std::process::Output {
        let profile = self.profile;
        let path = |relative: String| self.root.join(relative).display().to_string();
        let mut command = Command::new("docker");
        command
            .current_dir(&self.root)
            .args(["compose", "-p", &self.project()]);
        for env in ["common", "images", profile] {
            command.args(["--env-file", &path(format!("env/{env}.env"))]);
        }
        command
            .args(["-f", &path("compose/compose.yaml".into())])
            .args(["-f", &path(format!("{profile}/compose.yaml"))])
            .envs(self.env())
            .args(args)
            .output()
            .unwrap_or_else(|err| panic!("cannot run docker compose {args:?}: {err}"))
    }

    pub fn compose_ok(&self, args: &[&str]) -> String {
        compose_stdout(args, &self.compose(args))
    }

    /// Ids of the project's running containers, sorted (from the engine's compose labels, so it
    /// works while a compose file is broken).
    pub fn container_ids(&self) -> Vec<String> {
        let mut ids = self.labelled("ps --quiet", &[]);
        ids.sort();
        ids
    }

    /// Output lines of `docker <list command> --filter label=<this project>`.
    fn labelled(&self, list: &str, args: &[&str]) -> Vec<String> {
        let filter = format!("label=com.docker.compose.project={}", self.project());
        let output = Command::new("docker")
            .args(list.split(' '))
            .args(args)
            .args(["--filter", &filter])
            .output()
            .unwrap_or_else(|err| panic!("cannot run docker {list}: {err}"));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Rewrites a file of the scratch project in place (as an editor that truncates and writes).
    pub fn edit(&self, relative: &str, change: impl FnOnce(String) -> String) {
        let path = self.path(relative);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
        std::fs::write(&path, change(text))
            .unwrap_or_else(|err| panic!("write {}: {err}", path.display()));
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "--volumes", "--remove-orphans", "--timeout", "5"]);
        // compose cannot take the project down while one of its files is broken: sweep by label.
        let sweep: [(&str, &[&str]); 3] = [
            ("ps --all --quiet", &["rm", "--force", "--volumes"]),
            ("network ls --quiet", &["network", "rm"]),
            ("volume ls --quiet", &["volume", "rm", "--force"]),
        ];
        for (list, remove) in sweep {
            let found = self.labelled(list, &[]);
            if !found.is_empty() {
                let _ = Command::new("docker").args(remove).args(&found).output();
            }
        }
        let _ = Command::new("docker")
            .args(["image", "rm", "--force", &self.app_image])
            .output();
        remove_dangling_test_images();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Removes every scratch stack, folder and image this process made: what `Drop` does, for when a
/// signal ends the process before drops run (Ctrl-C in the benchmark).
pub fn remove_leftovers_of_this_process() {
    let pid = std::process::id();
    let project_prefix = format!("stack-test-reload{pid}-");
    let project_label = "{{.Label \"com.docker.compose.project\"}}";
    let sweep: [(&str, &str, &[&str]); 3] = [
        ("ps --all", "{{.ID}}", &["rm", "--force", "--volumes"]),
        ("network ls", "{{.ID}}", &["network", "rm"]),
        ("volume ls", "{{.Name}}", &["volume", "rm", "--force"]),
    ];
    for (list, id, remove) in sweep {
        let format = format!("{id} {project_label}");
        let listed = Command::new("docker")
            .args(list.split(' '))
            .args(["--format", &format])
            .output();
        let Ok(listed) = listed else { continue };
        let ours: Vec<String> = String::from_utf8_lossy(&listed.stdout)
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(_, project)| project.starts_with(&project_prefix))
            .map(|(id, _)| id.to_owned())
            .collect();
        if !ours.is_empty() {
            let _ = Command::new("docker").args(remove).args(&ours).output();
        }
    }
    for profile in ["local", "dev", "prod"] {
        let image = format!("stack-tui/app:reload-test-{profile}-{pid}");
        let _ = Command::new("docker")
            .args(["image", "rm", "--force", &image])
            .output();
        let root = std::env::temp_dir().join(format!("stack-tui-reload-{profile}-{pid}"));
        let _ = std::fs::remove_dir_all(root);
    }
}

/// The target directory this test binary was built into (CARGO_TARGET_TMPDIR is `<target>/tmp`).
pub fn main_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent")
        .to_path_buf()
}

/// Where the scratch project's component builds go: its own target directory (kept between
/// runs, so only the first build is slow), never the real project's build output.
pub fn scratch_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("reload-e2e-target")
}

fn copy_tree(from: &Path, to: &Path) {
    let pack = format!(
        "tar -C '{}' --exclude=./target --exclude=./.git --exclude='*/target' --exclude=./edge-app/.component-cache -cf - . | tar -C '{}' -xpf -",
        from.display(),
        to.display()
    );
    run_ok(Command::new("sh").args(["-c", &pack]));
}

fn run_ok(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("cannot run {command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `within`.
pub fn eventually<T>(within: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
