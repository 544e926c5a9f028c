//! The host's own addresses and whether anything answers on a port there (isolation checks).
//! Only the host itself is probed: loopback and the addresses of its own interfaces.

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

/// Loopback plus every non-link-local address of the host's interfaces (`ip -o addr show`).
pub fn own_addresses() -> Vec<IpAddr> {
    let mut addresses: Vec<IpAddr> = vec!["127.0.0.1".parse().expect("IPv4 loopback")];
    if let Ok(output) = Command::new("ip").args(["-o", "addr", "show"]).output() {
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            // "2: eth0    inet 10.0.0.2/24 brd ..." -> the word after inet/inet6.
            let mut words = line.split_whitespace();
            while let Some(word) = words.next() {
                if word != "inet" && word != "inet6" {
                    continue;
                }
                let parsed = words
                    .next()
                    .and_then(|cidr| cidr.split('/').next())
                    .and_then(|ip| ip.parse::<IpAddr>().ok());
                if let Some(ip) = parsed.filter(|ip| !is_link_local(ip)) {
                    addresses.push(ip);
                }
            }
        }
    }
    addresses.sort();
    addresses.dedup();
    addresses
}

fn is_link_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// True when a TCP connection to the address and port is accepted within the timeout.
pub fn answers(ip: IpAddr, port: u16, timeout: Duration) -> bool {
    TcpStream::connect_timeout(&SocketAddr::new(ip, port), timeout).is_ok()
}
