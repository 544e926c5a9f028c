//! `fermyon:spin/mqtt@2.0.0` on rumqttc, plain TCP only (`mqtt://`; `mqtts://` is refused).
//!
//! Every guest connection is its own MQTT session whose event loop runs only inside `open`,
//! `publish` and `drop`, each bounded by the outbound timeout. `publish` returns once the
//! broker has acknowledged the message (PUBACK for at-least-once, PUBCOMP for exactly-once) or,
//! for at-most-once, once it has been written.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, Incoming, MqttOptions, Outgoing, QoS};
use url::Url;
use wasmtime::component::Resource;

use super::HostState;
use super::fermyon::spin::mqtt::{Error, Host, HostConnection, Qos};

/// Largest packet sent or accepted unless the address sets its own limits (rumqttc's default,
/// 10 KiB, is smaller than many payloads).
const MAX_PACKET_BYTES: usize = 1024 * 1024;

/// Broker connections one request may hold open at once.
const MAX_CONNECTIONS_PER_REQUEST: usize = 8;

/// Requests queued between the client handle and the event loop.
const CHANNEL_CAPACITY: usize = 16;

/// A guest's open MQTT session.
pub struct MqttConnection {
    client: AsyncClient,
    events: EventLoop,
}

/// A parsed `mqtt://host:port?client_id=…` address.
#[derive(Debug)]
pub struct Address {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    options: MqttOptions,
}

/// Parses an address as rumqttc does, refusing the option combinations rumqttc would panic on.
pub fn parse_address(address: &str) -> Result<Address, String> {
    let url = Url::parse(address).map_err(|e| format!("{e}"))?;
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    if query("inflight_num").as_deref() == Some("0") {
        return Err("inflight_num must be at least 1".to_string());
    }
    if query("clean_session").as_deref() == Some("false")
        && query("client_id").is_none_or(|id| id.is_empty())
    {
        return Err("clean_session=false needs a client_id".to_string());
    }
    let sets_packet_size = query("max_incoming_packet_size_bytes").is_some()
        || query("max_outgoing_packet_size_bytes").is_some();
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(host) => host.to_string(),
        None => return Err("address names no host".to_string()),
    };
    let scheme = url.scheme().to_string();
    let mut options = MqttOptions::try_from(url).map_err(|e| e.to_string())?;
    if !sets_packet_size {
        options.set_max_packet_size(MAX_PACKET_BYTES, MAX_PACKET_BYTES);
    }
    let port = options.broker_address().1;
    Ok(Address {
        scheme,
        host,
        port,
        options,
    })
}

fn qos(q: Qos) -> QoS {
    match q {
        Qos::AtMostOnce => QoS::AtMostOnce,
        Qos::AtLeastOnce => QoS::AtLeastOnce,
        Qos::ExactlyOnce => QoS::ExactlyOnce,
    }
}

/// Whether `event` completes a publish of `qos`; `pkid` is filled in when the publish goes out.
fn publish_done(event: &Event, qos: QoS, pkid: &mut Option<u16>) -> bool {
    match event {
        Event::Outgoing(Outgoing::Publish(id)) => {
            *pkid = Some(*id);
            qos == QoS::AtMostOnce
        }
        Event::Incoming(Incoming::PubAck(ack)) => {
            qos == QoS::AtLeastOnce && *pkid == Some(ack.pkid)
        }
        Event::Incoming(Incoming::PubComp(comp)) => {
            qos == QoS::ExactlyOnce && *pkid == Some(comp.pkid)
        }
        _ => false,
    }
}

/// Polls the event loop until `done` says so, an error, or the timeout.
async fn drive(
    events: &mut EventLoop,
    timeout: Duration,
    mut done: impl FnMut(&Event) -> bool,
) -> Result<(), String> {
    let wait = async {
        loop {
            match events.poll().await {
                Ok(event) if done(&event) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    };
    tokio::time::timeout(timeout, wait)
        .await
        .unwrap_or_else(|_| Err(format!("no answer from the broker within {timeout:?}")))
}

impl Host for HostState {}

impl HostConnection for HostState {
    async fn open(
        &mut self,
        address: String,
        username: String,
        password: String,
        keep_alive_interval_in_secs: u64,
    ) -> wasmtime::Result<Result<Resource<MqttConnection>, Error>> {
        if self.mqtt_connections >= MAX_CONNECTIONS_PER_REQUEST {
            return Ok(Err(Error::TooManyConnections));
        }
        if address
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("mqtts://"))
        {
            return Ok(Err(Error::ConnectionFailed(
                "mqtts:// (TLS) is not supported by edge-host; use mqtt://".to_string(),
            )));
        }
        let mut parsed = match parse_address(&address) {
            Ok(parsed) => parsed,
            Err(reason) => {
                // The address itself may hold credentials, so only the reason is logged.
                tracing::info!(%reason, "mqtt: invalid address");
                return Ok(Err(Error::InvalidAddress));
            }
        };
        if !self
            .policy
            .outbound
            .allows(&parsed.scheme, &parsed.host, parsed.port)
        {
            self.shared.metrics.outbound_error("mqtt", "not_allowed");
            return Ok(Err(Error::ConnectionFailed(format!(
                "address {}://{}:{} is not permitted",
                parsed.scheme, parsed.host, parsed.port
            ))));
        }
        if !username.is_empty() || !password.is_empty() {
            parsed.options.set_credentials(username, password);
        }
        // The CONNECT packet carries the interval as 16 bits.
        let keep_alive = keep_alive_interval_in_secs.min(u64::from(u16::MAX));
        parsed
            .options
            .set_keep_alive(Duration::from_secs(keep_alive));
        self.shared.metrics.outbound_call("mqtt");
        let (client, mut events) = AsyncClient::new(parsed.options, CHANNEL_CAPACITY);
        let connected = drive(&mut events, self.shared.mqtt_timeout, |e| {
            matches!(e, Event::Incoming(Incoming::ConnAck(_)))
        })
        .await;
        if let Err(e) = connected {
            self.shared.metrics.outbound_error("mqtt", "connect");
            return Ok(Err(Error::ConnectionFailed(e)));
        }
        let handle = self.table.push(MqttConnection { client, events })?;
        self.mqtt_connections += 1;
        Ok(Ok(handle))
    }

    async fn publish(
        &mut self,
        conn: Resource<MqttConnection>,
        topic: String,
        payload: Vec<u8>,
        q: Qos,
    ) -> wasmtime::Result<Result<(), Error>> {
        let timeout = self.shared.mqtt_timeout;
        self.shared.metrics.outbound_call("mqtt");
        let conn = self.table.get_mut(&conn)?;
        let qos = qos(q);
        if let Err(e) = conn.client.try_publish(topic, qos, false, payload) {
            return Ok(Err(Error::Other(format!("cannot publish: {e}"))));
        }
        let mut pkid = None;
        let result = drive(&mut conn.events, timeout, |e| {
            publish_done(e, qos, &mut pkid)
        })
        .await;
        Ok(result.map_err(|e| {
            self.shared.metrics.outbound_error("mqtt", "publish");
            Error::Other(format!("publish failed: {e}"))
        }))
    }

    async fn drop(&mut self, conn: Resource<MqttConnection>) -> wasmtime::Result<()> {
        let mut conn = self.table.delete(conn)?;
        self.mqtt_connections = self.mqtt_connections.saturating_sub(1);
        // Say goodbye so the broker does not publish a will or log a lost client; best effort.
        if conn.client.try_disconnect().is_ok() {
            let _ = drive(&mut conn.events, self.shared.mqtt_timeout, |e| {
                matches!(e, Event::Outgoing(Outgoing::Disconnect))
            })
            .await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::{PubAck, PubComp};

    #[test]
    fn address_gives_scheme_host_port_and_client_id() {
        let a = parse_address("mqtt://localhost:1884?client_id=spintest").expect("parses");
        assert_eq!(
            (a.scheme.as_str(), a.host.as_str(), a.port),
            ("mqtt", "localhost", 1884)
        );
        assert_eq!(a.options.client_id(), "spintest");
        let a = parse_address("mqtt://[::1]?client_id=x").expect("parses");
        assert_eq!((a.host.as_str(), a.port), ("::1", 1883));
    }

    #[test]
    fn bad_addresses_are_errors_not_panics() {
        for address in [
            "not a url",
            "mqtt://host:1883",
            "http://host?client_id=x",
            "mqtt://host?client_id=x&inflight_num=0",
            "mqtt://host?client_id=&clean_session=false",
            "mqtt://host?clean_session=false",
            "mqtt://host?client_id=x&unknown=1",
            "mqtts://host?client_id=x",
        ] {
            assert!(parse_address(address).is_err(), "{address}");
        }
    }

    #[test]
    fn publish_waits_for_the_matching_ack() {
        let out = Event::Outgoing(Outgoing::Publish(7));
        let ack = |id| Event::Incoming(Incoming::PubAck(PubAck::new(id)));
        let mut pkid = None;
        assert!(!publish_done(&out, QoS::AtLeastOnce, &mut pkid));
        assert!(!publish_done(&ack(6), QoS::AtLeastOnce, &mut pkid));
        assert!(publish_done(&ack(7), QoS::AtLeastOnce, &mut pkid));

        let mut pkid = None;
        assert!(publish_done(&out, QoS::AtMostOnce, &mut pkid));

        let mut pkid = None;
        let comp = Event::Incoming(Incoming::PubComp(PubComp::new(7)));
        assert!(!publish_done(&ack(7), QoS::ExactlyOnce, &mut pkid));
        assert!(!publish_done(&out, QoS::ExactlyOnce, &mut pkid));
        assert!(publish_done(&comp, QoS::ExactlyOnce, &mut pkid));
    }
}
