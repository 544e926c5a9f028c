//! The local hot reload's last step: edge-host must serve what was just written. Its info
//! document (read inside the app container, which has no other HTTP client, with `edge-host
//! healthcheck --print-body`) names the SHA-256 of the manifest and component it serves; until
//! they match the files on the host the reload is not done, and when edge-host rejected them its
//! own reason is the failure.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::StepContext;
use super::exec::{APP_ORIGIN, EDGE_HOST};

const INFO_PATH: &str = "/.well-known/spin/info";
/// edge-host's watch debounce plus a load from the compiled cache take well under a second.
const CONFIRM_WITHIN: Duration = Duration::from_secs(15);
/// A rejection seen this long is taken as the answer (a fresh one replaces an older message).
const REJECTION_SETTLES: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, Deserialize)]
struct Info {
    generation: u64,
    #[serde(default)]
    manifest_sha256: String,
    #[serde(default)]
    components: std::collections::BTreeMap<String, ComponentInfo>,
    #[serde(default)]
    last_reload_error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ComponentInfo {
    source_sha256: String,
}

/// What the host wrote, as digests.
struct Written {
    manifest: String,
    component: String,
}

fn sha256_hex(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Whether `info` serves what was written; `Err` is how it differs.
fn serves(info: &Info, written: &Written) -> Result<(), String> {
    let served: BTreeSet<&str> = info
        .components
        .values()
        .map(|c| c.source_sha256.as_str())
        .collect();
    if info.manifest_sha256 == written.manifest && served.contains(written.component.as_str()) {
        return Ok(());
    }
    Err(match &info.last_reload_error {
        Some(error) => format!(
            "edge-host rejected it and keeps generation {}: {error}",
            info.generation
        ),
        None => format!("edge-host still serves generation {}", info.generation),
    })
}

impl StepContext {
    pub(super) async fn confirm_swap(&self) -> Result<String, String> {
        let app = self.root.join("edge-app");
        let written = Written {
            manifest: sha256_hex(&app.join("spin.toml"))?,
            component: sha256_hex(&app.join("dist/edge_app.wasm"))?,
        };
        let started = Instant::now();
        let mut rejected_since: Option<Instant> = None;
        let info_url = format!("{APP_ORIGIN}{INFO_PATH}");
        loop {
            let outcome = match self
                .exec_in(
                    "app",
                    &[EDGE_HOST, "healthcheck", "--print-body", &info_url],
                )
                .await
            {
                Ok(body) => match serde_json::from_str::<Info>(body.trim()) {
                    Ok(info) => serves(&info, &written)
                        .map(|()| info.generation)
                        .map_err(|why| (why, info.last_reload_error.is_some())),
                    Err(e) => Err((format!("unreadable info document: {e}"), false)),
                },
                Err(e) => Err((e, false)),
            };
            let (why, is_rejection) = match outcome {
                Ok(generation) => {
                    return Ok(format!(
                        "edge-host serves generation {generation} (manifest and component as written)"
                    ));
                }
                Err(failure) => failure,
            };
            let since = if is_rejection {
                *rejected_since.get_or_insert_with(Instant::now)
            } else {
                rejected_since = None;
                started
            };
            let limit = if is_rejection {
                REJECTION_SETTLES
            } else {
                CONFIRM_WITHIN
            };
            if since.elapsed() >= limit || started.elapsed() >= CONFIRM_WITHIN {
                return Err(why);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(manifest: &str, component: &str, error: Option<&str>) -> Info {
        Info {
            generation: 3,
            manifest_sha256: manifest.into(),
            components: [(
                "edge-app".to_string(),
                ComponentInfo {
                    source_sha256: component.into(),
                },
            )]
            .into(),
            last_reload_error: error.map(str::to_string),
        }
    }

    #[test]
    fn done_only_when_both_digests_match() {
        let written = Written {
            manifest: "m2".into(),
            component: "c2".into(),
        };
        assert_eq!(serves(&info("m2", "c2", None), &written), Ok(()));
        let old_manifest = serves(&info("m1", "c2", None), &written).expect_err("old manifest");
        assert!(
            old_manifest.contains("still serves generation 3"),
            "{old_manifest}"
        );
        let rejected =
            serves(&info("m2", "c1", Some("does not compile")), &written).expect_err("rejected");
        assert!(
            rejected.contains("rejected") && rejected.contains("does not compile"),
            "{rejected}"
        );
    }

    #[test]
    fn the_info_document_parses_as_edge_host_writes_it() {
        let body = r#"{"name":"edge-app","generation":2,"manifest_sha256":"ab",
            "components":{"edge-app":{"source_sha256":"cd"}},"last_reload_error":null}"#;
        let parsed: Info = serde_json::from_str(body).expect("parses");
        assert_eq!(parsed.generation, 2);
        assert_eq!(parsed.components["edge-app"].source_sha256, "cd");
    }
}
