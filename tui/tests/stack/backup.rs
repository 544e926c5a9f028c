//! Backups on a real local stack, as a user takes them: items and the visit counter written
//! through the app, `stack-tui backup` (private folder, manifest with the files' sha256), the
//! stack taken down, `stack-tui restore` into a fresh project, and the same items and counter
//! there; a backup with one byte changed is refused by the file's name, with nothing touched.

use crate::stack_support::checks::web::create_item;
use serde_json::Value;
use stack_core::backup::hash_reader;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use test_support::http::Http;
use test_support::repo_root;
use test_support::stack::{Profile, Stack};

/// stack-tui on the local profile of `<prefix>-local`.
fn stack_tui(prefix: &str, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .arg("--root")
        .arg(repo_root())
        .args(["--project-prefix", prefix, "--profile", "local"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run stack-tui");
    eprintln!(
        "stack-tui {args:?}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The names of every item, through the app.
fn item_names(stack: &Stack, http: &Http) -> BTreeSet<String> {
    let reply = http
        .get(&stack.site_url("/api/items?per_page=100"))
        .expect("GET /api/items");
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["name"].as_str().map(str::to_owned))
        .collect()
}

/// `GET /`: counts a visit in Redis and returns the count.
fn visit(stack: &Stack, http: &Http) -> i64 {
    let reply = http.get(&stack.site_url("/")).expect("GET /");
    reply.json()["visits"]
        .as_i64()
        .unwrap_or_else(|| panic!("GET / has a visit count: {reply:?}"))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[test]
fn a_backup_restores_into_a_fresh_project_and_a_damaged_one_is_refused() {
    let pid = std::process::id();
    let (source_prefix, target_prefix) = (format!("sttbackup{pid}"), format!("sttrestore{pid}"));
    let out = tempfile::tempdir().expect("temp dir");

    let (source, _) = Stack::start_named(Profile::Local, format!("{source_prefix}-local"));
    let http = source.client(Duration::from_secs(10));
    for n in 0..3 {
        create_item(&source, &http, &format!("backup-item-{n}"));
    }
    let items = item_names(&source, &http);
    let visits = (0..4)
        .map(|_| visit(&source, &http))
        .last()
        .expect("visits");
    assert!(visits >= 4, "the counter counts: {visits}");

    let output = stack_tui(
        &source_prefix,
        &["backup", "--out", &out.path().to_string_lossy()],
    );
    assert!(output.status.success(), "backup failed");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("postgres.dump") && said.contains("redis.tar"),
        "{said}"
    );
    let folders: Vec<PathBuf> = std::fs::read_dir(out.path())
        .expect("read out")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(folders.len(), 1, "one dated folder: {folders:?}");
    let folder = &folders[0];
    let name = folder
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("local-") && name.ends_with('Z'), "{name}");
    assert_eq!(mode(folder), 0o700, "the folder is private");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("manifest.json")).expect("manifest"),
    )
    .expect("manifest is JSON");
    assert_eq!(manifest["profile"], "local");
    assert_eq!(manifest["project"], format!("{source_prefix}-local"));
    assert_eq!(
        manifest["redis"]["persistence"], "aof",
        "the stack's appendonly yes"
    );
    assert!(
        manifest["postgres"]["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("15"))
    );
    let files = manifest["files"].as_array().expect("files");
    assert_eq!(files.len(), 2, "{manifest:#}");
    for file in files
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .chain(["manifest.json"])
    {
        assert_eq!(mode(&folder.join(file)), 0o600, "{file} is private");
    }
    for file in files {
        let path = folder.join(file["name"].as_str().expect("name"));
        let facts = hash_reader(std::fs::File::open(&path).expect("open")).expect("hash");
        assert_eq!(file["sha256"], facts.sha256.as_str(), "{}", path.display());
        assert_eq!(file["bytes"], facts.bytes, "{}", path.display());
        assert!(facts.bytes > 0, "{} is not empty", path.display());
    }
    drop(source);

    let (target, _) = Stack::start_prepared(Profile::Local, format!("{target_prefix}-local"));
    let http = target.client(Duration::from_secs(10));
    assert!(
        item_names(&target, &http).is_disjoint(&items),
        "a fresh project"
    );

    let output = stack_tui(&target_prefix, &["restore", &folder.to_string_lossy()]);
    assert!(output.status.success(), "restore failed");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("app ready"), "{said}");
    assert_eq!(item_names(&target, &http), items, "the same items");
    assert_eq!(
        visit(&target, &http),
        visits + 1,
        "the counter goes on from the backup's"
    );

    // One byte changed: refused by name before anything is touched.
    let damaged = out.path().join("damaged");
    std::fs::create_dir(&damaged).expect("mkdir");
    for file in ["manifest.json", "postgres.dump", "redis.tar"] {
        std::fs::copy(folder.join(file), damaged.join(file)).expect("copy");
    }
    let mut bytes = std::fs::read(damaged.join("redis.tar")).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(damaged.join("redis.tar"), bytes).expect("write");
    let output = stack_tui(&target_prefix, &["restore", &damaged.to_string_lossy()]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("redis.tar does not match its sha256"),
        "names the file: {message}"
    );
    assert!(message.contains("Nothing was restored"), "{message}");
    assert_eq!(visit(&target, &http), visits + 2, "Redis untouched");
}
