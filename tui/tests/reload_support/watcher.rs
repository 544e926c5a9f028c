//! `stack-tui watch` against a scratch project, its timeline read line by line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::scratch::{Scratch, scratch_target_dir};

pub struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Everything printed so far, for failure messages.
    pub seen: Vec<String>,
}

impl Watch {
    /// Starts the watcher and waits until it says it is watching.
    pub fn start(scratch: &Scratch, extra_args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
            .args(["--root", &scratch.root.display().to_string()])
            .args(["--project-prefix", &scratch.prefix])
            .args(["--profile", scratch.profile, "watch"])
            .args(extra_args)
            .envs(scratch.env())
            .env("CARGO_TARGET_DIR", scratch_target_dir())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start stack-tui watch");
        let (sender, lines) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut watch = Self {
            child,
            lines,
            seen: Vec::new(),
        };
        watch.wait_for("watching", Duration::from_secs(30));
        watch
    }

    /// Reads lines until one contains `needle`; returns the lines read by this call (the match
    /// last). Panics with everything seen when `within` passes first.
    pub fn wait_for(&mut self, needle: &str, within: Duration) -> Vec<String> {
        self.wait_for_at(needle, within).0
    }

    /// Like `wait_for`, also returning when the matching line arrived. Waiting for a reload to
    /// be applied stops at once when that reload fails instead.
    pub fn wait_for_at(&mut self, needle: &str, within: Duration) -> (Vec<String>, Instant) {
        let failed = needle
            .strip_suffix(" applied")
            .map(|reload| format!("{reload} failed"));
        let deadline = Instant::now() + within;
        let mut read = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    println!("watch: {line}");
                    self.seen.push(line.clone());
                    read.push(line.clone());
                    if line.contains(needle) {
                        return (read, Instant::now());
                    }
                    if failed
                        .as_deref()
                        .is_some_and(|failed| line.contains(failed))
                    {
                        panic!(
                            "waiting for {needle:?}, the reload failed; watch printed:\n{}",
                            self.seen.join("\n")
                        );
                    }
                }
                Err(_) => panic!(
                    "no line containing {needle:?} within {within:?}; watch printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Watch {
    /// The lines printed during the next `period`.
    pub fn lines_during(&mut self, period: Duration) -> Vec<String> {
        let deadline = Instant::now() + period;
        let mut read = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            println!("watch: {line}");
            self.seen.push(line.clone());
            read.push(line);
        }
        read
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
