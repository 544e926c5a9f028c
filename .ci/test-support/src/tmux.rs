//! A terminal program in a real terminal: a private tmux server (its own socket) running one
//! command in a detached pane of a fixed size, read back with `capture-pane` and typed into with
//! `send-keys`; killed, socket file included, when dropped.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn run(command: &mut Command) -> Output {
    command.output().expect("spawn tmux")
}

/// A tmux server on its own socket running one command; killed when dropped.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `sh launcher` in a `width`×`height` pane; `tag` keeps parallel sessions apart.
    pub fn start(tag: &str, launcher: &Path, width: u16, height: u16) -> Self {
        let tmux = Self {
            socket: format!("stack-tui-e2e-{}-{tag}", std::process::id()),
        };
        let output = tmux
            .command(&[
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg("sh")
            .arg(launcher)
            .output()
            .expect("run tmux");
        assert!(output.status.success(), "tmux: {output:?}");
        tmux
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args);
        command
    }

    pub fn screen(&self) -> String {
        let output = run(&mut self.command(&["capture-pane", "-p", "-t", "e2e"]));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Keys in tmux `send-keys` syntax (`Enter`, `Escape`); `-l` sends text literally.
    pub fn keys(&self, keys: &[&str]) {
        let output = run(self.command(&["send-keys", "-t", "e2e"]).args(keys));
        assert!(output.status.success(), "send-keys: {output:?}");
    }

    pub fn text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    pub fn pane_flag(&self, name: &str) -> String {
        let format = format!("#{{{name}}}");
        let output = run(&mut self.command(&["display-message", "-p", "-t", "e2e", &format]));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Polls the pane until `done` holds; the screen seen last is in the panic message.
    pub fn wait_for(&self, what: &str, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
        self.wait_for_every(what, timeout, Duration::from_millis(20), done)
    }

    /// Like `wait_for`, polling every `every` (a latency measurement wants a finer grain).
    pub fn wait_for_every(
        &self,
        what: &str,
        timeout: Duration,
        every: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(every);
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The server leaves its socket file behind; ask where it is before killing it.
        let socket = run(&mut self.command(&["display-message", "-p", "#{socket_path}"]));
        let _ = run(&mut self.command(&["kill-server"]));
        let path = String::from_utf8_lossy(&socket.stdout).trim().to_string();
        if !path.is_empty() {
            let _ = std::fs::remove_file(path);
        }
    }
}
