//! The migration folder: `V<n>__<name>.sql` files, read and checked before the database is
//! touched, so a bad file name or a clash is refused with the file named.

use std::path::{Path, PathBuf};

use refinery::Migration;

/// One migration file, parsed.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    pub path: PathBuf,
    /// The file name, as messages show it.
    pub file_name: String,
    pub version: i32,
    pub name: String,
    /// refinery's view of it: the SQL and the checksum recorded in `schema_migrations`.
    pub migration: Migration,
}

/// Why the folder cannot be used; each names the file(s) concerned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FolderError {
    #[error("cannot read the migrations folder {dir}: {reason}")]
    Unreadable { dir: String, reason: String },
    #[error(
        "{file}: not a migration file name; expected V<number>__<name>.sql (the name of letters, \
         digits and _), e.g. V2__add_tags.sql"
    )]
    Malformed { file: String },
    #[error("{file}: the version does not fit in 32 bits")]
    VersionTooLarge { file: String },
    #[error("V{version} is used by two files, {first} and {second}: give one the next free number")]
    Duplicate {
        version: i32,
        first: String,
        second: String,
    },
    #[error("{file} is empty; write its SQL before saving it (an applied file may not change)")]
    Empty { file: String },
    #[error("cannot read {file}: {reason}")]
    UnreadableFile { file: String, reason: String },
}

/// Splits `V12__add_tags.sql` into (12, "add_tags"); `None` when the name is not of that shape.
pub fn parse_file_name(file_name: &str) -> Option<(&str, &str)> {
    let stem = file_name.strip_suffix(".sql")?.strip_prefix('V')?;
    let (digits, name) = stem.split_once("__")?;
    let valid_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let valid_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (valid_digits && valid_name).then_some((digits, name))
}

/// Whether a file in the folder is meant as SQL: hidden files (editor swap files) and other
/// extensions (a README) are not migrations and are skipped.
fn is_sql_candidate(file_name: &str) -> bool {
    !file_name.starts_with('.') && file_name.to_ascii_lowercase().ends_with(".sql")
}

/// Reads every migration in `dir` (not its subfolders), sorted by version.
pub fn read_folder(dir: &Path) -> Result<Vec<MigrationFile>, FolderError> {
    let unreadable = |reason: String| FolderError::Unreadable {
        dir: dir.display().to_string(),
        reason,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| unreadable(e.to_string()))?;
    let mut files: Vec<MigrationFile> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(e.to_string()))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !is_sql_candidate(&file_name) || entry.path().is_dir() {
            continue;
        }
        files.push(read_file(&entry.path(), file_name)?);
    }
    files.sort_by(|a, b| {
        a.version
            .cmp(&b.version)
            .then_with(|| a.file_name.cmp(&b.file_name))
    });
    if let Some(pair) = files
        .windows(2)
        .find(|pair| pair[0].version == pair[1].version)
    {
        return Err(FolderError::Duplicate {
            version: pair[0].version,
            first: pair[0].file_name.clone(),
            second: pair[1].file_name.clone(),
        });
    }
    Ok(files)
}

fn read_file(path: &Path, file_name: String) -> Result<MigrationFile, FolderError> {
    let Some((digits, name)) = parse_file_name(&file_name) else {
        return Err(FolderError::Malformed { file: file_name });
    };
    let version: i32 = digits.parse().map_err(|_| FolderError::VersionTooLarge {
        file: file_name.clone(),
    })?;
    let name = name.to_string();
    let sql = std::fs::read_to_string(path).map_err(|e| FolderError::UnreadableFile {
        file: file_name.clone(),
        reason: e.to_string(),
    })?;
    if sql.trim().is_empty() {
        return Err(FolderError::Empty { file: file_name });
    }
    // The stem parses by construction (checked above); refinery computes the checksum.
    let migration = Migration::unapplied(&format!("V{version}__{name}"), &sql).map_err(|e| {
        FolderError::UnreadableFile {
            file: file_name.clone(),
            reason: e.to_string(),
        }
    })?;
    Ok(MigrationFile {
        path: path.to_path_buf(),
        file_name,
        version,
        name,
        migration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_v_number_double_underscore_name() {
        assert_eq!(parse_file_name("V1__items.sql"), Some(("1", "items")));
        assert_eq!(
            parse_file_name("V012__add_tags_2.sql"),
            Some(("012", "add_tags_2"))
        );
        for bad in [
            "1__items.sql",
            "v1__items.sql",
            "V1_items.sql",
            "V__items.sql",
            "V1__.sql",
            "V1__add-tags.sql",
            "V1.5__x.sql",
            "V1__items.SQL",
            "U1__items.sql",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, sql) in files {
            std::fs::write(dir.path().join(name), sql).expect("write migration");
        }
        dir
    }

    #[test]
    fn a_folder_is_read_in_version_order_skipping_other_files() {
        let dir = folder(&[
            ("V10__ten.sql", "SELECT 10;"),
            ("V2__two.sql", "SELECT 2;"),
            ("README.md", "not sql"),
            (".V3__x.sql.swp", "swap"),
        ]);
        let files = read_folder(dir.path()).expect("valid folder");
        let names: Vec<&str> = files.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(names, ["V2__two.sql", "V10__ten.sql"]);
        assert_eq!(files[1].version, 10);
        assert_eq!(files[1].name, "ten");
    }

    #[test]
    fn bad_folders_are_refused_naming_the_file() {
        let cases: &[(&[(&str, &str)], FolderError)] = &[
            (
                &[("V1__a.sql", "SELECT 1;"), ("V01__b.sql", "SELECT 1;")],
                FolderError::Duplicate {
                    version: 1,
                    first: "V01__b.sql".into(),
                    second: "V1__a.sql".into(),
                },
            ),
            (
                &[("V2_b.sql", "SELECT 1;")],
                FolderError::Malformed {
                    file: "V2_b.sql".into(),
                },
            ),
            (
                &[("V99999999999__b.sql", "SELECT 1;")],
                FolderError::VersionTooLarge {
                    file: "V99999999999__b.sql".into(),
                },
            ),
            (
                &[("V3__c.sql", " \n")],
                FolderError::Empty {
                    file: "V3__c.sql".into(),
                },
            ),
        ];
        for (files, expected) in cases {
            let dir = folder(files);
            assert_eq!(&read_folder(dir.path()).expect_err("refused"), expected);
        }
        let missing = read_folder(Path::new("/nonexistent/migrations")).expect_err("no folder");
        assert!(
            missing.to_string().contains("/nonexistent/migrations"),
            "{missing}"
        );
    }

    #[test]
    fn the_checksum_changes_with_the_sql() {
        let one = folder(&[("V1__a.sql", "SELECT 1;")]);
        let two = folder(&[("V1__a.sql", "SELECT 2;")]);
        let a = read_folder(one.path()).expect("valid");
        let b = read_folder(two.path()).expect("valid");
        assert_ne!(a[0].migration.checksum(), b[0].migration.checksum());
    }
}
