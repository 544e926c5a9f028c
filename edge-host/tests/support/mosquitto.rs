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
        Mosquitto::start_with_users(&[])
    }

    /// A broker that also knows these users (anonymous clients stay allowed), as the broker of
    /// Spin's conformance suite does.
    pub fn start_with_users(users: &[(&str, &str)]) -> Mosquitto {
        let dir = tempfile::tempdir().expect("temp dir for mosquitto");
        let port = free_port();
        let config = dir.path().join("mosquitto.conf");
        let mut text = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
             log_dest stderr\nlog_type all\n"
        );
        if !users.is_empty() {
            let passwords = dir.path().join("passwords");
            for (user, password) in users {
                let status = Command::new("mosquitto_passwd")
                    .args(if passwords.exists() {
                        &["-b"][..]
                    } else {
                        &["-c", "-b"][..]
                    })
                    .arg(&passwords)
                    .args([user, password])
                    .status()
                    .expect("mosquitto_passwd is installed (Debian package mosquitto)");
                assert!(status.success(), "mosquitto_passwd for {user}");
            }
            text.push_str(&format!("password_file {}\n", passwords.display()));
        }
        std::fs::write(&config, text).expect("write mosquitto.conf");
        let log = std::fs::File::create(dir.path().join("broker.log")).expect("broker log");
        // Debian installs the broker in /usr/sbin, which a non-root PATH may lack.
        let binary = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("mosquitto");
        let child = Command::new(binary)
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
