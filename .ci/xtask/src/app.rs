//! The app component's phases. Each prints one summary line on stdout (the reload timeline shows
//! it); cargo's and edge-host's own output goes to stderr.

use anyhow::{Context, bail};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const WASM_TARGET: &str = "wasm32-wasip2";
/// Where spin.toml, edge-host's watcher and the app image expect the component.
const INSTALLED: &str = "edge-app/dist/edge_app.wasm";
/// The app image's build context for what the host built.
const STAGE: &str = "compose/images/app/stage";
/// The staged edge-host: the very binary the app container runs, so precompiled components match.
const STAGED_EDGE_HOST: &str = "compose/images/app/stage/edge-host";
/// Compiled components shared by the precompile phase and the local profile's app.
const COMPONENT_CACHE: &str = "edge-app/.component-cache";
/// Compiled components kept (a few MB each): the running one, plus recent ones to swap back to.
const CACHE_KEEP: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// `cargo build -p edge-app --target wasm32-wasip2 --release`.
    Build,
    /// `edge-host precompile` of the built component into edge-app/.component-cache.
    Precompile,
    /// Replace edge-app/dist/edge_app.wasm by rename, only when its content changed.
    Install,
    /// Copy the installed component and spin.toml into compose/images/app/stage/.
    Stage,
}

/// Runs `phases` in order. With more than one, the last line says how long each took (the
/// reload timeline shows that line, and the reload bench reads the build's share from it).
pub fn run(phases: &[Phase]) -> anyhow::Result<()> {
    let root = project_root()?;
    let mut timings = Vec::new();
    let mut summary = String::new();
    for phase in phases {
        let started = Instant::now();
        summary = match phase {
            Phase::Build => build(&root)?,
            Phase::Precompile => precompile(&root)?,
            Phase::Install => install(&root)?,
            Phase::Stage => stage(&root)?,
        };
        println!("{summary}");
        timings.push(format!(
            "{} {:.2} s",
            phase.name(),
            started.elapsed().as_secs_f64()
        ));
    }
    if phases.len() > 1 {
        println!("{}: {summary}", timings.join(", "));
    }
    Ok(())
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Build => "build",
            Phase::Precompile => "precompile",
            Phase::Install => "install",
            Phase::Stage => "stage",
        }
    }
}

/// The repository: this crate lives in `.ci/xtask`. `cargo run` names the package's folder at
/// run time, which is what counts: a copy of the repository elsewhere may run a binary cargo
/// built for another copy (the build is the same, the path baked in is not).
pub fn project_root() -> anyhow::Result<PathBuf> {
    let here = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    here.join("../..")
        .canonicalize()
        .with_context(|| format!("cannot resolve the project root from {}", here.display()))
}

fn build(root: &Path) -> anyhow::Result<String> {
    let status = Command::new(cargo())
        .args([
            "build",
            "-p",
            "edge-app",
            "--target",
            WASM_TARGET,
            "--release",
        ])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!(
            "building edge-app failed ({status}); is the target installed? rustup target add {WASM_TARGET}"
        );
    }
    Ok("edge_app.wasm built".into())
}

fn precompile(root: &Path) -> anyhow::Result<String> {
    let edge_host = root.join(STAGED_EDGE_HOST);
    if !edge_host.is_file() {
        return Ok(
            "precompile skipped: no staged edge-host (run compose/prepare); the swap compiles"
                .into(),
        );
    }
    let built = built_component(root)?;
    let cache = root.join(COMPONENT_CACHE);
    let output = Command::new(&edge_host)
        .arg("precompile")
        .arg(&built)
        .env("EDGE_HOST_COMPONENT_CACHE", &cache)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", edge_host.display()))?;
    if !output.status.success() {
        bail!(
            "{} precompile failed ({})",
            edge_host.display(),
            output.status
        );
    }
    prune_cache(&cache, CACHE_KEEP);
    // edge-host says "<component>: <what it did>"; the timeline wants the second half.
    let said = String::from_utf8_lossy(&output.stdout);
    Ok(said
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .and_then(|line| line.rsplit_once(": ").map(|(_, what)| what.to_string()))
        .unwrap_or_else(|| "compiled".into()))
}

fn install(root: &Path) -> anyhow::Result<String> {
    let bytes = replace_if_changed(&built_component(root)?, &root.join(INSTALLED), 0o644)?;
    Ok(format!("{INSTALLED} ({} KiB)", bytes / 1024))
}

fn stage(root: &Path) -> anyhow::Result<String> {
    let stage = root.join(STAGE);
    for (from, to) in [
        (INSTALLED, "dist/edge_app.wasm"),
        ("edge-app/spin.toml", "spin.toml"),
    ] {
        replace_if_changed(&root.join(from), &stage.join(to), 0o644)?;
    }
    Ok(format!("{STAGE}: dist/edge_app.wasm, spin.toml"))
}

/// Where cargo puts the component (honours CARGO_TARGET_DIR and cargo's config).
fn built_component(root: &Path) -> anyhow::Result<PathBuf> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed ({})", output.status);
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata printed invalid JSON")?;
    let target = metadata["target_directory"]
        .as_str()
        .context("cargo metadata names no target_directory")?;
    let built = Path::new(target)
        .join(WASM_TARGET)
        .join("release/edge_app.wasm");
    if !built.is_file() {
        bail!(
            "{} does not exist: build the app first (cargo xtask build-app)",
            built.display()
        );
    }
    Ok(built)
}

/// Copies `from` over `to` through a temporary file and a rename, so a reader (edge-host's
/// watcher, a docker build) never sees half a file; an identical `to` is left alone, so its
/// modification time and Docker's build cache stay as they are. Returns the size.
fn replace_if_changed(from: &Path, to: &Path, mode: u32) -> anyhow::Result<u64> {
    use std::os::unix::fs::PermissionsExt;
    let content = fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    let size = content.len() as u64;
    if fs::read(to).is_ok_and(|existing| existing == content) {
        return Ok(size);
    }
    let folder = to.parent().context("a target file has a folder")?;
    fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    let name = to.file_name().context("a target file has a name")?;
    let temp = folder.join(format!(".{}.tmp", name.to_string_lossy()));
    fs::write(&temp, &content).with_context(|| format!("cannot write {}", temp.display()))?;
    fs::set_permissions(&temp, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the mode of {}", temp.display()))?;
    fs::rename(&temp, to).with_context(|| format!("cannot replace {}", to.display()))?;
    Ok(size)
}

/// Deletes all but the `keep` newest compiled components, so the cache does not grow with every
/// reload. Best effort: a file the app is loading stays readable until it closes it.
fn prune_cache(dir: &Path, keep: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut compiled: Vec<_> = entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let modified = path.metadata().ok()?.modified().ok()?;
            path.extension()
                .is_some_and(|ext| ext == "cwasm")
                .then_some((modified, path))
        })
        .collect();
    compiled.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, old) in compiled.into_iter().skip(keep) {
        if let Err(error) = fs::remove_file(&old) {
            eprintln!("xtask: warning: cannot prune {}: {error}", old.display());
        }
    }
}

/// The cargo that runs this task, so a toolchain chosen by rustup applies to the nested builds.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn pruning_keeps_the_newest_compiled_components_only() {
        let dir = temp_dir("prune");
        for i in 0..5u64 {
            let path = dir.join(format!("{i}.cwasm"));
            fs::write(&path, b"x").expect("write");
            let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i);
            fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(when))
                .expect("set mtime");
        }
        fs::write(dir.join("notes.txt"), b"kept").expect("write");
        prune_cache(&dir, 2);
        let mut left: Vec<String> = fs::read_dir(&dir)
            .expect("read dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        left.sort();
        assert_eq!(left, ["3.cwasm", "4.cwasm", "notes.txt"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_identical_file_is_not_rewritten_and_a_changed_one_is_replaced_whole() {
        let dir = temp_dir("replace");
        let (from, to) = (dir.join("new.wasm"), dir.join("dist/app.wasm"));
        fs::write(&from, b"one").expect("write");
        assert_eq!(
            replace_if_changed(&from, &to, 0o644).expect("first copy"),
            3
        );
        let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000);
        fs::File::options()
            .write(true)
            .open(&to)
            .and_then(|file| file.set_modified(long_ago))
            .expect("set mtime");
        replace_if_changed(&from, &to, 0o644).expect("same content");
        let kept = fs::metadata(&to).and_then(|m| m.modified()).expect("mtime");
        assert_eq!(kept, long_ago, "an identical file is not rewritten");
        fs::write(&from, b"two!").expect("write");
        assert_eq!(replace_if_changed(&from, &to, 0o644).expect("changed"), 4);
        assert_eq!(fs::read(&to).expect("read"), b"two!");
        assert!(
            !dir.join("dist/.app.wasm.tmp").exists(),
            "no temporary file is left"
        );
        let missing = replace_if_changed(&dir.join("absent"), &to, 0o644).expect_err("no source");
        assert!(missing.to_string().contains("absent"), "{missing}");
        let _ = fs::remove_dir_all(&dir);
    }
}
