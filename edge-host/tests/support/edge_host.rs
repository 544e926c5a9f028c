//! Starts the edge-host binary under test with a manifest and environment, and stops it on Drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{free_port, wait_until};
use test_support::http::{Response, wire};

pub struct EdgeHost {
    pub port: u16,
    pub admin_port: u16,
    child: Child,
    logs: tempfile::TempDir,
}

/// Everything that shapes one edge-host run.
#[derive(Default)]
pub struct Launch {
    pub manifest: PathBuf,
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
}

impl Launch {
    pub fn new(manifest: &Path) -> Launch {
        Launch {
            manifest: manifest.to_path_buf(),
            ..Launch::default()
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Launch {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn arg(mut self, arg: &str) -> Launch {
        self.args.push(arg.to_string());
        self
    }
}

fn command(launch: &Launch, port: u16, admin_port: u16, logs: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_edge-host"));
    cmd.arg("serve")
        .arg("--manifest")
        .arg(&launch.manifest)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin", &format!("127.0.0.1:{admin_port}")])
        .args(&launch.args)
        .env("EDGE_HOST_COMPONENT_CACHE", logs.join("cache"))
        .env("EDGE_HOST_LOG", "info")
        .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::fs::File::create(logs.join("stdout")).expect("stdout log"))
        .stderr(std::fs::File::create(logs.join("stderr")).expect("stderr log"))
        .stdin(Stdio::null());
    cmd
}

impl EdgeHost {
    /// Starts edge-host and waits until it answers its health endpoint; Err carries its stderr
    /// if it exits first (e.g. a startup error under test).
    pub fn try_start(launch: Launch) -> Result<EdgeHost, String> {
        let logs = tempfile::tempdir().expect("temp dir for edge-host logs");
        let (port, admin_port) = (free_port(), free_port());
        let child = command(&launch, port, admin_port, logs.path())
            .spawn()
            .expect("edge-host binary runs");
        let mut host = EdgeHost {
            port,
            admin_port,
            child,
            logs,
        };
        let mut exited = false;
        let healthy = wait_until(Duration::from_secs(60), || {
            if matches!(host.child.try_wait(), Ok(Some(_))) {
                exited = true;
                return true;
            }
            wire::get(port, "/.well-known/spin/health").is_ok_and(|r| r.status == 200)
        });
        if exited || !healthy {
            let _ = host.child.kill();
            let _ = host.child.wait();
            return Err(host.stderr());
        }
        Ok(host)
    }

    pub fn start(launch: Launch) -> EdgeHost {
        EdgeHost::try_start(launch)
            .unwrap_or_else(|stderr| panic!("edge-host did not start:\n{stderr}"))
    }

    pub fn get(&self, path: &str) -> Response {
        wire::get(self.port, path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        wire::request(self.port, method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn admin(&self, method: &str, path: &str) -> Response {
        wire::request(self.admin_port, method, path, &[], b"")
            .unwrap_or_else(|e| panic!("admin {method} {path}: {e}"))
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stderr")).unwrap_or_default()
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.logs.path().join("stdout")).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for a clean exit; returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let done = wait_until(Duration::from_secs(20), || {
            matches!(self.child.try_wait(), Ok(Some(_)))
        });
        done && self.child.wait().is_ok_and(|s| s.success())
    }
}

impl Drop for EdgeHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `edge-host <args>` to completion; returns (success, stdout, stderr).
pub fn run_cli(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_edge-host"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("edge-host binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
