//! Sizes and sha256 of a backup's files, and the comparison with what the manifest says.

use super::manifest::Manifest;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;

/// What one file on disk is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub bytes: u64,
    pub sha256: String,
}

/// Reads `reader` to its end; returns its length and lower-case hex sha256.
pub fn hash_reader(mut reader: impl Read) -> std::io::Result<FileFacts> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut bytes = 0_u64;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok(FileFacts {
        bytes,
        sha256: hex(&hasher.finalize()),
    })
}

/// Lower-case hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A file of the backup that is not what the manifest says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("{name} is missing")]
    Missing { name: String },
    #[error("{name} has {found} bytes, the manifest says {expected}")]
    Size {
        name: String,
        expected: u64,
        found: u64,
    },
    #[error("{name} does not match its sha256 in the manifest (the file changed or is damaged)")]
    Checksum { name: String },
}

/// Every file the manifest lists against what was `found` on disk (by name); empty when all
/// match.
pub fn verify_files(manifest: &Manifest, found: &BTreeMap<String, FileFacts>) -> Vec<FileProblem> {
    manifest
        .files
        .iter()
        .filter_map(|entry| {
            let name = entry.name.clone();
            let Some(facts) = found.get(&entry.name) else {
                return Some(FileProblem::Missing { name });
            };
            if facts.bytes != entry.bytes {
                return Some(FileProblem::Size {
                    name,
                    expected: entry.bytes,
                    found: facts.bytes,
                });
            }
            (facts.sha256 != entry.sha256).then_some(FileProblem::Checksum { name })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::manifest::{POSTGRES_FILE, REDIS_FILE, tests::sample};

    #[test]
    fn sha256_of_known_input() {
        let facts = hash_reader(&b"abc"[..]).expect("hash");
        assert_eq!(facts.bytes, 3);
        assert_eq!(
            facts.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let empty = hash_reader(&b""[..]).expect("hash");
        assert_eq!(
            empty.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn each_differing_file_is_named() {
        let manifest = sample();
        let facts = |name: &str| {
            let entry = manifest.file(name).expect("listed");
            FileFacts {
                bytes: entry.bytes,
                sha256: entry.sha256.clone(),
            }
        };
        let mut found = BTreeMap::from([
            (POSTGRES_FILE.to_string(), facts(POSTGRES_FILE)),
            (REDIS_FILE.to_string(), facts(REDIS_FILE)),
        ]);
        assert_eq!(verify_files(&manifest, &found), vec![]);

        // One byte changed: same size, another checksum.
        found.insert(
            REDIS_FILE.into(),
            FileFacts {
                sha256: "b".repeat(64),
                ..facts(REDIS_FILE)
            },
        );
        let problems = verify_files(&manifest, &found);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "redis.tar does not match its sha256 in the manifest (the file changed or is damaged)"
        );

        // Cut short, and gone.
        found.insert(
            REDIS_FILE.into(),
            FileFacts {
                bytes: 10,
                ..facts(REDIS_FILE)
            },
        );
        found.remove(POSTGRES_FILE);
        let text: Vec<String> = verify_files(&manifest, &found)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            vec![
                "postgres.dump is missing".to_string(),
                "redis.tar has 10 bytes, the manifest says 10240".to_string()
            ]
        );
    }
}
