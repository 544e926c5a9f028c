//! The artifact through a real registry: Debian's docker-registry on 127.0.0.1, started and
//! stopped by the test; `stack-tui export image --push` (skopeo); the manifest read back over
//! HTTP and checked against the component.

use super::image::{check_manifest, json};
use super::support::{self, free_port, stack_tui, text};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A registry process, killed when dropped (also when the test fails).
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).expect("write registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry (Debian package docker-registry; .ci/setup-host installs it)");
        let registry = Self {
            child,
            port,
            _dir: dir,
        };
        registry.wait_ready();
        registry
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("registry.log")).unwrap_or_default()
    }

    /// Waits until `GET /v2/` answers 200 (the registry's API check).
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if ureq::get(&self.url("/v2/"))
                .call()
                .is_ok_and(|response| response.status() == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "docker-registry did not answer on 127.0.0.1:{} within 20 s:\n{}",
            self.port,
            self.log()
        );
    }

    fn get(&self, path: &str, accept: &str) -> Vec<u8> {
        let mut response = ureq::get(&self.url(path))
            .header("Accept", accept)
            .call()
            .unwrap_or_else(|err| panic!("GET {path}: {err}\n{}", self.log()));
        response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_else(|err| panic!("read {path}: {err}"))
    }
}

#[test]
fn the_artifact_round_trips_through_a_local_registry() {
    let component = std::fs::read(support::component()).expect("read component");
    let registry = Registry::start();
    let scratch = tempfile::tempdir().expect("temp dir");
    let archive = scratch.path().join("edge-app.oci.tar");
    let reference = format!("127.0.0.1:{}/stack/edge-app:test", registry.port);
    let output = stack_tui(&[
        "export",
        "image",
        "--out",
        &archive.to_string_lossy(),
        "--push",
        &reference,
    ]);
    assert!(
        output.status.success(),
        "push failed: {}\n{}",
        text(&output.stderr),
        registry.log()
    );
    assert!(
        text(&output.stdout).contains(&format!("pushed {reference}")),
        "{}",
        text(&output.stdout)
    );

    let manifest_bytes = registry.get(
        "/v2/stack/edge-app/manifests/test",
        stack_tui::export::image::MANIFEST_MEDIA_TYPE,
    );
    // The registry serves exactly the manifest of the archive (same digest).
    let local = super::image::unpack(&std::fs::read(&archive).expect("archive"));
    let index = json(&local["index.json"]);
    assert_eq!(
        stack_tui::export::image::sha256_digest(&manifest_bytes),
        index["manifests"][0]["digest"].as_str().expect("digest"),
        "the pushed manifest differs from the archive's"
    );
    let fetch = |digest: &str| registry.get(&format!("/v2/stack/edge-app/blobs/{digest}"), "*/*");
    check_manifest(&json(&manifest_bytes), &fetch, &component);
    assert!(Path::new(&archive).is_file());
}
