//! Backups without the I/O: the folder's name, the manifest that describes it (and its checks),
//! checksums of the files, the server-version rule for restoring, and reading Redis' `INFO
//! persistence` while a save runs. stack-tui's `backup` module streams the data out of the
//! containers and back in.

pub mod checksum;
pub mod manifest;
pub mod naming;
pub mod redis_info;
pub mod version;

pub use checksum::{FileFacts, FileProblem, hash_reader, verify_files};
pub use manifest::{FileEntry, Manifest, ManifestError, PostgresPart, RedisPart, RedisPersistence};
pub use naming::{DEFAULT_DIR, folder_name};
pub use version::{VersionMismatch, check_postgres, check_redis};
