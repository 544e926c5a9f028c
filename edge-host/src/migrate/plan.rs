//! Compares the folder with what `schema_migrations` records: which files are pending, and the
//! histories that must be refused (an applied file edited, renamed or gone, a new file numbered
//! below the last applied one). refinery checks the same before it applies anything; checking
//! here first lets every refusal name the file.

use super::files::MigrationFile;

/// One row of `schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    pub version: i32,
    pub name: String,
    pub checksum: u64,
    /// When it was applied (RFC 3339, as refinery writes it).
    pub applied_on: String,
}

/// Files still to apply, in order.
#[derive(Debug)]
pub struct Plan<'a> {
    pub pending: Vec<&'a MigrationFile>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error(
        "{file} was applied on {applied_on} and has been edited since (its checksum differs): an \
         applied migration must not change. Undo the edit and put the change in a new file \
         numbered after V{last}"
    )]
    Edited {
        file: String,
        applied_on: String,
        last: i32,
    },
    #[error(
        "{file} has version {version}, which was applied as V{version}__{applied_name}.sql: an \
         applied migration must not be renamed. Rename it back"
    )]
    Renamed {
        file: String,
        version: i32,
        applied_name: String,
    },
    #[error(
        "V{version}__{name}.sql was applied on {applied_on} but is missing from the folder: \
         restore it (applied migrations stay in the folder)"
    )]
    Missing {
        version: i32,
        name: String,
        applied_on: String,
    },
    #[error(
        "{file} is new but numbered below V{last}, the last applied migration: renumber it \
         V{next} or higher"
    )]
    OutOfOrder { file: String, last: i32, next: i64 },
}

/// The pending files, or the first reason the history cannot go on.
pub fn plan<'a>(files: &'a [MigrationFile], applied: &[AppliedRow]) -> Result<Plan<'a>, Refusal> {
    let last = applied.iter().map(|row| row.version).max();
    for row in applied {
        let Some(file) = files.iter().find(|file| file.version == row.version) else {
            return Err(Refusal::Missing {
                version: row.version,
                name: row.name.clone(),
                applied_on: row.applied_on.clone(),
            });
        };
        if file.name != row.name {
            return Err(Refusal::Renamed {
                file: file.file_name.clone(),
                version: row.version,
                applied_name: row.name.clone(),
            });
        }
        if file.migration.checksum() != row.checksum {
            return Err(Refusal::Edited {
                file: file.file_name.clone(),
                applied_on: row.applied_on.clone(),
                last: last.unwrap_or(row.version),
            });
        }
    }
    let pending: Vec<&MigrationFile> = files
        .iter()
        .filter(|file| !applied.iter().any(|row| row.version == file.version))
        .collect();
    if let Some(last) = last
        && let Some(early) = pending.iter().find(|file| file.version < last)
    {
        return Err(Refusal::OutOfOrder {
            file: early.file_name.clone(),
            last,
            next: i64::from(last) + 1,
        });
    }
    Ok(Plan { pending })
}

#[cfg(test)]
mod tests {
    use super::*;
    use refinery::Migration;
    use std::path::PathBuf;

    fn file(version: i32, name: &str, sql: &str) -> MigrationFile {
        MigrationFile {
            path: PathBuf::from(format!("/m/V{version}__{name}.sql")),
            file_name: format!("V{version}__{name}.sql"),
            version,
            name: name.to_string(),
            migration: Migration::unapplied(&format!("V{version}__{name}"), sql)
                .expect("valid name"),
        }
    }

    fn row(file: &MigrationFile) -> AppliedRow {
        AppliedRow {
            version: file.version,
            name: file.name.clone(),
            checksum: file.migration.checksum(),
            applied_on: "2026-01-02T03:04:05Z".into(),
        }
    }

    fn pending(plan: &Plan<'_>) -> Vec<i32> {
        plan.pending.iter().map(|file| file.version).collect()
    }

    #[test]
    fn new_files_after_the_last_applied_are_pending_in_order() {
        let files = [file(1, "a", "SELECT 1"), file(2, "b", "SELECT 2")];
        assert_eq!(pending(&plan(&files, &[]).expect("empty db")), [1, 2]);
        assert_eq!(
            pending(&plan(&files, &[row(&files[0])]).expect("one applied")),
            [2]
        );
        let all = [row(&files[0]), row(&files[1])];
        assert!(plan(&files, &all).expect("all applied").pending.is_empty());
    }

    #[test]
    fn a_changed_history_is_refused_naming_the_file() {
        let v1 = file(1, "a", "SELECT 1");
        let v3 = file(3, "c", "SELECT 3");
        let edited = [file(1, "a", "SELECT 11"), v3.clone()];
        assert!(matches!(
            plan(&edited, &[row(&v1), row(&v3)]),
            Err(Refusal::Edited { ref file, last: 3, .. }) if file == "V1__a.sql"
        ));
        let renamed = [file(1, "b", "SELECT 1")];
        assert!(matches!(
            plan(&renamed, &[row(&v1)]),
            Err(Refusal::Renamed { ref file, ref applied_name, .. })
                if file == "V1__b.sql" && applied_name == "a"
        ));
        assert!(matches!(
            plan(std::slice::from_ref(&v3), &[row(&v1), row(&v3)]),
            Err(Refusal::Missing { version: 1, .. })
        ));
        let early = [v1.clone(), file(2, "late", "SELECT 2"), v3.clone()];
        let refusal = plan(&early, &[row(&v1), row(&v3)]).expect_err("out of order");
        assert_eq!(
            refusal,
            Refusal::OutOfOrder {
                file: "V2__late.sql".into(),
                last: 3,
                next: 4
            }
        );
        assert!(refusal.to_string().contains("V4"), "{refusal}");
    }
}
