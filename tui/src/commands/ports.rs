//! Is a host port free, or held by the profile itself?

use std::net::TcpListener;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortCheck {
    Free,
    OwnedByProfile,
    Taken(String),
}

/// `owned` lists `ip:port` the profile's own containers publish right now.
pub fn check_port(host_ip: &str, port: u16, owned: &[String]) -> PortCheck {
    let key = format!("{host_ip}:{port}");
    if owned
        .iter()
        .any(|own| own == &key || own.ends_with(&format!(":{port}")))
    {
        return PortCheck::OwnedByProfile;
    }
    let ip = if host_ip.is_empty() {
        "0.0.0.0"
    } else {
        host_ip
    };
    match TcpListener::bind((ip, port)) {
        Ok(_) => PortCheck::Free,
        Err(err) => PortCheck::Taken(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_a_port_someone_else_holds() {
        let holder = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = holder.local_addr().expect("address").port();
        assert!(matches!(
            check_port("127.0.0.1", port, &[]),
            PortCheck::Taken(_)
        ));
        assert_eq!(
            check_port("127.0.0.1", port, &[format!("127.0.0.1:{port}")]),
            PortCheck::OwnedByProfile
        );
        drop(holder);
        assert_eq!(check_port("127.0.0.1", port, &[]), PortCheck::Free);
    }
}
