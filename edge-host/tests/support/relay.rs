//! A TCP relay on 127.0.0.1 in front of a real server, which can lose a reply the way a
//! connection that breaks mid-command does: after [`Relay::lose_next_reply`], every connection
//! open at that moment forwards its next command to the server, waits for the server's answer,
//! then drops the answer and closes the client's side. The command ran; the client never hears.
//! Connections made afterwards relay normally.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a relay thread blocks on one socket before looking at the other (and at `stop`).
const POLL: Duration = Duration::from_millis(10);

pub struct Relay {
    pub port: u16,
    /// One flag per connection: set, it loses the reply to its next command.
    open: Arc<Mutex<Vec<Arc<AtomicBool>>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Relay {
    /// Relays 127.0.0.1:<free port> to 127.0.0.1:`upstream_port`.
    pub fn start(upstream_port: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("relay address").port();
        listener.set_nonblocking(true).expect("non-blocking accept");
        let open = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (open, stop) = (Arc::clone(&open), Arc::clone(&stop));
            std::thread::spawn(move || accept_loop(&listener, upstream_port, &open, &stop))
        };
        Relay {
            port,
            open,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// Arms every open connection to lose the reply to its next command; returns how many.
    pub fn lose_next_reply(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        for flag in open.iter() {
            flag.store(true, Ordering::SeqCst);
        }
        open.len()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    upstream_port: u16,
    open: &Mutex<Vec<Arc<AtomicBool>>>,
    stop: &Arc<AtomicBool>,
) {
    let mut pumps = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => {
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                    continue;
                };
                let lose = Arc::new(AtomicBool::new(false));
                open.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Arc::clone(&lose));
                let stop = Arc::clone(stop);
                pumps.push(std::thread::spawn(move || {
                    pump(client, upstream, &lose, &stop);
                }));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => break,
        }
    }
    for pump in pumps {
        let _ = pump.join();
    }
}

/// What one read of a socket gave.
enum Got {
    Bytes(usize),
    Nothing,
    Closed,
}

fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> Got {
    match stream.read(buf) {
        Ok(0) => Got::Closed,
        Ok(n) => Got::Bytes(n),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Got::Nothing,
        Err(_) => Got::Closed,
    }
}

/// Relays one connection both ways until either side closes or the relay stops.
fn pump(mut client: TcpStream, mut upstream: TcpStream, lose: &AtomicBool, stop: &AtomicBool) {
    for stream in [&client, &upstream] {
        if stream.set_read_timeout(Some(POLL)).is_err() {
            return;
        }
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut losing = false;
    while !stop.load(Ordering::SeqCst) {
        match read_some(&mut client, &mut buf) {
            Got::Bytes(n) => {
                losing |= lose.swap(false, Ordering::SeqCst);
                if upstream.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Got::Nothing => {}
            Got::Closed => break,
        }
        match read_some(&mut upstream, &mut buf) {
            Got::Bytes(_) if losing => break,
            Got::Bytes(n) => {
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Got::Nothing => {}
            Got::Closed => break,
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = upstream.shutdown(Shutdown::Both);
}
