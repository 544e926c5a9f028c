//! A backup folder on this machine: created private (folders 0700, files 0600), described by
//! its manifest, and checked file by file before anything is restored from it.

use anyhow::{Context, bail};
use stack_core::backup::manifest::MANIFEST_FILE;
use stack_core::backup::{FileEntry, FileFacts, Manifest, hash_reader, verify_files};
use std::collections::BTreeMap;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) readable by its owner only; an existing parent keeps its
/// mode, the new folder itself must not exist yet.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::DirBuilder::new()
        .mode(DIR_MODE)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    // The umask may have taken bits away; never added any.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
        .with_context(|| format!("cannot set the mode of {}", dir.display()))
}

/// A new file readable by its owner only (replaces one of the same name).
pub async fn create_private_file(path: &Path) -> anyhow::Result<tokio::fs::File> {
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
        .await
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
        .await
        .with_context(|| format!("cannot set the mode of {}", path.display()))?;
    Ok(file)
}

/// Size and sha256 of a file of the folder, as a manifest entry.
pub async fn describe(dir: &Path, name: &str) -> anyhow::Result<FileEntry> {
    let facts = facts(&dir.join(name))
        .await?
        .with_context(|| format!("{name} was not written"))?;
    Ok(FileEntry {
        name: name.to_string(),
        bytes: facts.bytes,
        sha256: facts.sha256,
    })
}

/// `None` when there is no such file.
async fn facts(path: &Path) -> anyhow::Result<Option<FileFacts>> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || match std::fs::File::open(&path) {
        Ok(file) => hash_reader(file)
            .map(Some)
            .with_context(|| format!("cannot read {}", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    })
    .await?
}

/// Writes `manifest.json` (0600) last, so a folder without one is a backup that did not finish.
pub async fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt;
    let path = dir.join(MANIFEST_FILE);
    let mut file = create_private_file(&path).await?;
    file.write_all(manifest.to_json().as_bytes()).await?;
    file.sync_all()
        .await
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reads the folder's manifest and checks every file it lists; an error names the folder and
/// each problem, and nothing has been touched.
pub async fn open(dir: &Path) -> anyhow::Result<Manifest> {
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let path = dir.join(MANIFEST_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} has no {MANIFEST_FILE}: it is not a backup, or one that did not finish",
            dir.display()
        ),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let manifest =
        Manifest::from_json(&text).map_err(|err| anyhow::anyhow!("{}: {err}", dir.display()))?;
    let mut found = BTreeMap::new();
    for entry in &manifest.files {
        if let Some(facts) = facts(&dir.join(&entry.name)).await? {
            found.insert(entry.name.clone(), facts);
        }
    }
    let problems = verify_files(&manifest, &found);
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        bail!(
            "{} is not a complete, intact backup: {}. Nothing was restored",
            dir.display(),
            list.join("; ")
        );
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stack_core::backup::manifest::{POSTGRES_FILE, REDIS_FILE};
    use stack_core::backup::{PostgresPart, RedisPart, RedisPersistence};

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
    }

    /// A folder as `backup` leaves it: two files and the manifest describing them.
    async fn written(root: &Path) -> std::path::PathBuf {
        let dir = root.join("backups/local-20261203T114500Z");
        create_private_dir(&dir).expect("create");
        for (name, content) in [(POSTGRES_FILE, &b"PGDMP..."[..]), (REDIS_FILE, b"tar")] {
            use tokio::io::AsyncWriteExt;
            let mut file = create_private_file(&dir.join(name)).await.expect("file");
            file.write_all(content).await.expect("write");
        }
        let manifest = Manifest {
            format: stack_core::backup::manifest::FORMAT,
            tool: "stack-tui test".into(),
            profile: "local".into(),
            project: "stack-local".into(),
            created: chrono::Utc::now(),
            postgres: PostgresPart {
                image: "postgres".into(),
                version: "15.14".into(),
                database: "app".into(),
            },
            redis: RedisPart {
                image: "redis".into(),
                version: "7.0.15".into(),
                persistence: RedisPersistence::Aof,
                path: "appendonlydir".into(),
                keys: 1,
            },
            files: vec![
                describe(&dir, POSTGRES_FILE).await.expect("describe"),
                describe(&dir, REDIS_FILE).await.expect("describe"),
            ],
        };
        write_manifest(&dir, &manifest).await.expect("manifest");
        dir
    }

    #[tokio::test]
    async fn a_written_folder_is_private_and_opens() {
        let root = tempfile::tempdir().expect("temp");
        let dir = written(root.path()).await;
        assert_eq!(mode(&dir), DIR_MODE);
        assert_eq!(mode(dir.parent().expect("parent")), DIR_MODE);
        for name in [POSTGRES_FILE, REDIS_FILE, MANIFEST_FILE] {
            assert_eq!(mode(&dir.join(name)), FILE_MODE, "{name}");
        }
        let manifest = open(&dir).await.expect("opens");
        assert_eq!(manifest.file(REDIS_FILE).map(|f| f.bytes), Some(3));
        // The same folder again is refused, not mixed with the first.
        assert!(create_private_dir(&dir).is_err());
    }

    #[tokio::test]
    async fn a_changed_missing_or_unfinished_folder_is_refused_by_name() {
        let root = tempfile::tempdir().expect("temp");
        let dir = written(root.path()).await;
        std::fs::write(dir.join(POSTGRES_FILE), b"PGDMP,..").expect("one byte");
        let error = open(&dir).await.expect_err("changed").to_string();
        assert!(
            error.contains("postgres.dump does not match its sha256"),
            "{error}"
        );
        assert!(error.contains("Nothing was restored"), "{error}");

        std::fs::remove_file(dir.join(REDIS_FILE)).expect("remove");
        let error = open(&dir).await.expect_err("missing").to_string();
        assert!(error.contains("redis.tar is missing"), "{error}");

        std::fs::remove_file(dir.join(MANIFEST_FILE)).expect("remove");
        let error = open(&dir).await.expect_err("unfinished").to_string();
        assert!(error.contains("has no manifest.json"), "{error}");
        let error = open(&root.path().join("nowhere"))
            .await
            .expect_err("no folder");
        assert!(error.to_string().contains("is not a folder"), "{error}");
    }
}
