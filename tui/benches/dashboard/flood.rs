//! The throwaway flood project: the e2e fixture stack plus a `flood` service printing lines as
//! fast as it can once triggered, taken down with its volumes when dropped; and line counts of
//! what `docker logs` delivers.

use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;

use test_support::repo_root;

use crate::docker::{compose_down, docker};
use crate::interrupt::{OnInterrupt, on_interrupt};

pub struct Flood {
    root: PathBuf,
    pub project: String,
    _interrupt: OnInterrupt,
}

impl Flood {
    /// Copies the fixture stack to `root` and adds the flood service to it as profile `flood`.
    pub fn create(root: &Path, project: String, seconds: u64) -> Self {
        let fixture = repo_root().join("tui/tests/fixtures/e2e");
        let copied = Command::new("cp")
            .arg("-r")
            .args([&fixture, root])
            .status()
            .expect("run cp");
        assert!(copied.success(), "copying {} failed", fixture.display());
        std::fs::create_dir_all(root.join("flood")).expect("create the flood profile");
        // It waits for /tmp/go so the count starts at a known moment; the number printed last is
        // how many lines it produced.
        let service = format!(
            "services:\n  flood:\n    image: stack-tui/base:bookworm\n    command: [\"sh\", \"-c\", \"while [ ! -e /tmp/go ]; do sleep 0.05; done; timeout {seconds} seq -f 'flood line %.0f lorem ipsum dolor sit amet' inf; echo; echo flood-done; exec sleep infinity\"]\n"
        );
        std::fs::write(root.join("flood/compose.yaml"), service).expect("write the flood service");
        let name = project.clone();
        Self {
            root: root.to_path_buf(),
            project,
            _interrupt: on_interrupt(move || compose_down(&name)),
        }
    }

    pub fn compose(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .arg("compose")
            .args(["-p", &self.project, "--env-file"])
            .arg(self.root.join("env/common.env"))
            .arg("-f")
            .arg(self.root.join("compose/compose.yaml"))
            .arg("-f")
            .arg(self.root.join("flood/compose.yaml"))
            .args(args)
            .output()
            .unwrap_or_else(|err| panic!("cannot run docker compose {args:?}: {err}"))
    }

    /// Like `compose`, panicking with compose's output and `what` when it fails.
    pub fn compose_ok(&self, what: &str, args: &[&str]) {
        let output = self.compose(args);
        assert!(
            output.status.success(),
            "dashboard bench: {what} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn container(&self) -> String {
        format!("{}-flood-1", self.project)
    }

    /// Starts the producer.
    pub fn trigger(&self) {
        docker(&["exec", &self.container(), "touch", "/tmp/go"]);
    }

    /// How many lines the producer printed: the number of its last `flood line N`.
    pub fn produced(&self) -> Option<u64> {
        let output = Command::new("docker")
            .args(["logs", "--tail", "3", &self.container()])
            .output()
            .expect("run docker logs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        text.lines()
            .filter_map(|line| line.strip_prefix("flood line "))
            .filter_map(|rest| rest.split(' ').next()?.parse().ok())
            .next_back()
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "--volumes", "--remove-orphans", "--timeout", "1"]);
    }
}

/// The lines a command prints (stdout, and stderr when asked) until it exits, counted as `wc -l`
/// would: a plain reader that does nothing else with them.
pub struct LineCount {
    child: Child,
    readers: Vec<JoinHandle<u64>>,
}

impl LineCount {
    pub fn start(mut command: Command, with_stderr: bool) -> Self {
        command.stdout(Stdio::piped()).stderr(if with_stderr {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command.spawn().expect("spawn the log reader");
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.push(std::thread::spawn(move || count_lines(stdout)));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.push(std::thread::spawn(move || count_lines(stderr)));
        }
        Self { child, readers }
    }

    /// Waits for the command to end (its exit status is not the measure) and sums the counts.
    pub fn finish(mut self) -> u64 {
        let _ = self.child.wait();
        self.readers
            .drain(..)
            .map(|reader| reader.join().expect("the line counter ends"))
            .sum()
    }
}

fn count_lines(mut from: impl Read) -> u64 {
    let mut buffer = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    loop {
        match from.read(&mut buffer) {
            Ok(0) => return lines,
            Ok(read) => {
                lines += buffer[..read].iter().filter(|byte| **byte == b'\n').count() as u64;
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(_) => return lines,
        }
    }
}
