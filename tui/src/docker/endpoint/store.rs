//! The docker CLI's files: `config.json` (currentContext) and the context store
//! (`contexts/meta/<sha256 of the name>/meta.json`, TLS under `contexts/tls/<sha256>/docker/`).

use super::{EndpointError, Source, Tls};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

/// A context as meta.json (and `docker context inspect`) describe it; other fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ContextMeta {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Endpoints", default)]
    pub endpoints: Endpoints,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Endpoints {
    #[serde(default)]
    pub docker: Option<DockerEndpoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DockerEndpoint {
    #[serde(rename = "Host", default)]
    pub host: String,
    #[serde(rename = "SkipTLSVerify", default)]
    pub skip_tls_verify: bool,
}

/// currentContext from config.json: `Ok(None)` when the file or the field is absent,
/// `Err(reason)` when it cannot be read or parsed.
pub(super) fn current_context(path: &Path) -> Result<Option<String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    let config: ConfigFile = serde_json::from_str(&text).map_err(|err| err.to_string())?;
    Ok(config.current_context.filter(|name| !name.is_empty()))
}

/// The store's directory key for a context name.
fn digest(name: &str) -> String {
    format!("{:x}", Sha256::digest(name.as_bytes()))
}

pub(super) fn meta_file(config_dir: &Path, name: &str) -> PathBuf {
    config_dir
        .join("contexts/meta")
        .join(digest(name))
        .join("meta.json")
}

fn tls_dir(config_dir: &Path, name: &str) -> PathBuf {
    config_dir
        .join("contexts/tls")
        .join(digest(name))
        .join("docker")
}

/// Every context name in the store, with the built-in "default", sorted.
pub fn known_contexts(config_dir: &Path) -> Vec<String> {
    let mut names = vec![super::DEFAULT_CONTEXT.to_string()];
    if let Ok(entries) = std::fs::read_dir(config_dir.join("contexts/meta")) {
        names.extend(entries.flatten().filter_map(|entry| {
            let text = std::fs::read_to_string(entry.path().join("meta.json")).ok()?;
            let meta: ContextMeta = serde_json::from_str(&text).ok()?;
            Some(meta.name).filter(|name| !name.is_empty())
        }));
    }
    names.sort();
    names.dedup();
    names
}

/// A named context's docker host and TLS material.
pub(super) fn load(
    config_dir: &Path,
    name: &str,
    source: &Source,
) -> Result<(String, Option<Tls>), EndpointError> {
    let path = meta_file(config_dir, name);
    let bad = |reason: String| EndpointError::BadContext {
        name: name.to_string(),
        from: source.clone(),
        path: path.clone(),
        reason,
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(EndpointError::UnknownContext {
                name: name.to_string(),
                from: source.clone(),
                meta: path,
                known: known_contexts(config_dir),
            });
        }
        Err(err) => return Err(bad(err.to_string())),
    };
    let meta: ContextMeta = serde_json::from_str(&text).map_err(|err| bad(err.to_string()))?;
    let docker = meta
        .endpoints
        .docker
        .filter(|endpoint| !endpoint.host.is_empty())
        .ok_or_else(|| bad("it has no docker endpoint (Endpoints.docker.Host)".into()))?;
    // As the CLI: TLS only when the context carries material or skips verification.
    let dir = tls_dir(config_dir, name);
    let tls = tls_files(&dir, !docker.skip_tls_verify);
    let tls = if tls.ca.is_some() || tls.cert.is_some() || tls.key.is_some() || !tls.verify {
        Some(tls)
    } else {
        None
    };
    Ok((docker.host, tls))
}

/// `ca.pem`, `cert.pem`, `key.pem` in `dir`, each only if it exists.
pub(super) fn tls_files(dir: &Path, verify: bool) -> Tls {
    let file = |name: &str| Some(dir.join(name)).filter(|path| path.is_file());
    Tls {
        ca: file("ca.pem"),
        cert: file("cert.pem"),
        key: file("key.pem"),
        verify,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_key_is_the_sha256_of_the_name() {
        // `printf default | sha256sum`, the directory docker uses for a context named "default".
        assert_eq!(
            digest("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }

    #[test]
    fn meta_json_as_the_cli_writes_it() {
        let text = r#"{"Name":"colima","Metadata":{"Description":"colima"},
            "Endpoints":{"docker":{"Host":"unix:///home/u/.colima/default/docker.sock",
            "SkipTLSVerify":false}}}"#;
        let meta: ContextMeta = serde_json::from_str(text).expect("meta");
        assert_eq!(meta.name, "colima");
        assert_eq!(
            meta.endpoints.docker.map(|d| d.host).as_deref(),
            Some("unix:///home/u/.colima/default/docker.sock")
        );
    }

    #[test]
    fn config_json_without_the_field_or_the_file_selects_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.json");
        assert_eq!(current_context(&path), Ok(None));
        std::fs::write(&path, r#"{"auths":{}}"#).expect("write");
        assert_eq!(current_context(&path), Ok(None));
        std::fs::write(&path, r#"{"currentContext":""}"#).expect("write");
        assert_eq!(current_context(&path), Ok(None));
        std::fs::write(&path, r#"{"currentContext":"orbstack"}"#).expect("write");
        assert_eq!(current_context(&path), Ok(Some("orbstack".into())));
        std::fs::write(&path, "{not json").expect("write");
        assert!(current_context(&path).is_err());
    }
}
