//! A throwaway mosquitto broker on a free 127.0.0.1 port, and a one-message subscriber.
//!
//! The broker logs everything to a file so tests can wait until a subscriber's SUBSCRIBE has
//! been acknowledged before anything is published (a message published earlier is lost).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{free_port, wait_until};

pub struct Mosquitto {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Mosquitto {
    pub fn start() -> Mosquitto {
        let dir = tempfile::tempdir().expect("temp dir for mosquitto");
        let port = free_port();
        let config = dir.path().join("mosquitto.conf");
        let text = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
             log_dest stderr\nlog_type all\n"
        );
        std::fs::write(&config, text).expect("write mosquitto.conf");
        let log = std::fs::File::create(dir.path().join("broker.log")).expect("broker log");
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("mosquitto is installed (Debian package mosquitto)");
        let broker = Mosquitto { port, dir, child };
        assert!(
            wait_until(Duration::from_secs(10), || TcpStream::connect((
                "127.0.0.1",
                port
            ))
            .is_ok()),
            "mosquitto did not listen on port {port}:\n{}",
            broker.log()
        );
        broker
    }

    /// `mqtt://127.0.0.1:<port>?client_id=<client_id>`
    pub fn address(&self, client_id: &str) -> String {
        format!("mqtt://127.0.0.1:{}?client_id={client_id}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("broker.log")
    }

    /// Starts `mosquitto_sub` for one message on `topic` and waits until the broker has
    /// acknowledged its subscription.
    pub fn subscribe_one(&self, topic: &str) -> Subscriber {
        let id = format!("sub-{}", free_port());
        let out = tempfile::NamedTempFile::new().expect("subscriber output file");
        let child = Command::new("mosquitto_sub")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-i", &id, "-t", topic, "-q", "1", "-C", "1", "-W", "20"])
            .stdin(Stdio::null())
            .stdout(out.reopen().expect("reopen output"))
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto_sub is installed (Debian package mosquitto-clients)");
        let subscribed = wait_until(Duration::from_secs(10), || {
            self.log().contains(&format!("Sending SUBACK to {id}"))
        });
        assert!(
            subscribed,
            "subscriber {id} not acknowledged:\n{}",
            self.log()
        );
        Subscriber { child, out }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Subscriber {
    child: Child,
    out: tempfile::NamedTempFile,
}

impl Subscriber {
    /// Waits (bounded) for the subscriber to print its one message and exit.
    pub fn message(mut self) -> Option<String> {
        let exited = wait_until(Duration::from_secs(25), || {
            matches!(self.child.try_wait(), Ok(Some(_)))
        });
        if !exited {
            return None;
        }
        let text = std::fs::read_to_string(self.out.path()).ok()?;
        Some(text.trim_end().to_string())
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
