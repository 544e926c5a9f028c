//! The ways the second client misbehaves, over raw connections so that it can be exactly as slow
//! as it means to be. Each connection is one task; every loop ends at the hold time (and the
//! request loops also at their shared request cap).

use stack_core::drill::{Attack, AttackFigures};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::timeout;

/// How long a slow connection waits between the bytes it trickles.
const TRICKLE: Duration = Duration::from_secs(2);
/// A connection attempt nginx does not answer within this counts as refused.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The slow reader's receive buffer: nginx can hand it almost nothing.
const SLOW_READ_BUFFER: u32 = 2048;
/// Requests each slow reader pipelines.
const SLOW_READ_REQUESTS: usize = 20;
/// The announced body of a slow POST.
const SLOW_BODY_BYTES: usize = 4096;
/// Largest answer header the client reads.
const MAX_HEAD: usize = 16 * 1024;
/// What the pool attacks read: always Postgres (reads by id may come from the Redis cache).
const ITEM_LIST: &str = "/api/items?per_page=5";
/// What the admin-listener drill asks edge-host's admin port: its metrics and a reload.
const ADMIN_REQUESTS: [(&str, &str); 2] = [("GET", "/metrics"), ("POST", "/admin/reload")];
/// The app's debug route that computes without end (development profiles only).
const BUSY: &str = "/api/debug/busy";
/// A pool attack's connection waits this long after a 503 before asking again, as a client
/// that backs off a little would; without it the refusals alone would spin the CPU.
const BACK_OFF: Duration = Duration::from_millis(100);
/// A request sent just before the deadline still gets this long to be answered.
const ANSWER_GRACE: Duration = Duration::from_secs(3);
/// edge-host's own refusal when every instance of the replica is in use.
const INSTANCES_FULL: &[u8] = b"too many requests in flight";

/// What one connection saw.
#[derive(Debug, Default)]
struct Seen {
    refused: bool,
    requests: u64,
    statuses: Vec<u16>,
    /// When nginx closed it, from the connection's start.
    closed_after: Option<Duration>,
    overloaded: u64,
    instances_full: u64,
    slowest: Option<Duration>,
}

impl Seen {
    fn refused() -> Self {
        Self {
            refused: true,
            ..Self::default()
        }
    }

    fn one_request() -> Self {
        Self {
            requests: 1,
            ..Self::default()
        }
    }
}

pub async fn run(attack: Attack, target: SocketAddr, hold: Duration) -> AttackFigures {
    let deadline = Instant::now() + hold;
    let sent = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for index in 0..attack.connections() {
        let sent = Arc::clone(&sent);
        tasks.spawn(async move {
            match attack {
                Attack::SlowHeaders => slow_headers(target, index, deadline).await,
                Attack::SlowBody => slow_body(target, deadline).await,
                Attack::SlowRead => slow_read(target, deadline).await,
                Attack::Flood => hammer(target, "/", None, deadline, &sent).await,
                Attack::InstancePool | Attack::PostgresPool => {
                    hammer(target, ITEM_LIST, Some(BACK_OFF), deadline, &sent).await
                }
                Attack::GuestCpuLoop => once(target, "GET", BUSY, deadline).await,
                Attack::AdminListener => {
                    let (method, path) = ADMIN_REQUESTS[index as usize % ADMIN_REQUESTS.len()];
                    once(target, method, path, deadline).await
                }
            }
        });
    }
    let mut figures = AttackFigures {
        connections: u64::from(attack.connections()),
        ..AttackFigures::default()
    };
    while let Some(joined) = tasks.join_next().await {
        let Ok(seen) = joined else { continue };
        figures.refused += u64::from(seen.refused);
        figures.overloaded += seen.overloaded;
        figures.instances_full += seen.instances_full;
        if let Some(slowest) = seen.slowest {
            let ms = u64::try_from(slowest.as_millis()).unwrap_or(u64::MAX);
            figures.slowest_ms = Some(figures.slowest_ms.unwrap_or(0).max(ms));
        }
        figures.requests += seen.requests;
        for status in seen.statuses {
            *figures.statuses.entry(status).or_default() += 1;
        }
        if let Some(after) = seen.closed_after {
            figures.closed_by_server += 1;
            let ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
            figures.last_closed_ms = Some(figures.last_closed_ms.unwrap_or(0).max(ms));
        }
    }
    figures
}

async fn connect(target: SocketAddr, receive_buffer: Option<u32>) -> Option<TcpStream> {
    let socket = match target {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .ok()?;
    if let Some(size) = receive_buffer {
        socket.set_recv_buffer_size(size).ok()?;
    }
    timeout(CONNECT_TIMEOUT, socket.connect(target))
        .await
        .ok()?
        .ok()
}

/// Waits for `stream` to say something or close, at most until `until`. `Some(bytes)` when
/// nginx answered or closed (empty), `None` when it stayed silent.
async fn listen(stream: &mut TcpStream, until: Instant, head: &mut Vec<u8>) -> Option<usize> {
    let mut buffer = [0u8; 1024];
    let wait = until.saturating_duration_since(Instant::now());
    match timeout(wait, stream.read(&mut buffer)).await {
        Err(_) => None,
        Ok(Ok(read)) => {
            head.extend_from_slice(&buffer[..read]);
            Some(read)
        }
        Ok(Err(_)) => Some(0),
    }
}

/// The status of the answer whose head starts `bytes`, once its status line is complete.
fn status_of(bytes: &[u8]) -> Option<u16> {
    let line_end = bytes.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&bytes[..line_end]).ok()?;
    line.split(' ').nth(1)?.parse().ok()
}

/// Slowloris: a request line and one more header line every TRICKLE, never the blank line.
async fn slow_headers(target: SocketAddr, index: u32, deadline: Instant) -> Seen {
    let started = Instant::now();
    let Some(mut stream) = connect(target, None).await else {
        return Seen::refused();
    };
    let mut seen = Seen::one_request();
    let opening = format!("GET /?slow={index} HTTP/1.1\r\nHost: drill\r\n");
    if stream.write_all(opening.as_bytes()).await.is_err() {
        seen.closed_after = Some(started.elapsed());
        return seen;
    }
    let mut head = Vec::new();
    let mut line = 0u32;
    while Instant::now() < deadline {
        let next = (Instant::now() + TRICKLE).min(deadline);
        if listen(&mut stream, next, &mut head).await.is_some() {
            // nginx answered (a 408 or 400) or hung up: either way it ended the request.
            seen.statuses.extend(status_of(&head));
            seen.closed_after = Some(started.elapsed());
            return seen;
        }
        line += 1;
        let header = format!("X-Drill-{line}: {index}\r\n");
        if stream.write_all(header.as_bytes()).await.is_err() {
            seen.closed_after = Some(started.elapsed());
            return seen;
        }
    }
    seen
}

/// Slow POST: complete headers announcing a body, then the body a byte every TRICKLE.
async fn slow_body(target: SocketAddr, deadline: Instant) -> Seen {
    let started = Instant::now();
    let Some(mut stream) = connect(target, None).await else {
        return Seen::refused();
    };
    let mut seen = Seen::one_request();
    let head = format!(
        "POST /api/items HTTP/1.1\r\nHost: drill\r\nContent-Type: application/json\r\n\
         Content-Length: {SLOW_BODY_BYTES}\r\n\r\n{{"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        seen.closed_after = Some(started.elapsed());
        return seen;
    }
    let mut answer = Vec::new();
    for _ in 1..SLOW_BODY_BYTES {
        if Instant::now() >= deadline {
            break;
        }
        let next = (Instant::now() + TRICKLE).min(deadline);
        if let Some(read) = listen(&mut stream, next, &mut answer).await {
            if let Some(status) = status_of(&answer) {
                seen.statuses.push(status);
                return seen;
            }
            if read == 0 {
                seen.closed_after = Some(started.elapsed());
                return seen;
            }
            continue;
        }
        if stream.write_all(b" ").await.is_err() {
            seen.closed_after = Some(started.elapsed());
            return seen;
        }
    }
    seen
}

/// Slow read: requests pipelined on a connection with a tiny receive window; only the first
/// answer's status line is read, nothing after it.
async fn slow_read(target: SocketAddr, deadline: Instant) -> Seen {
    let Some(mut stream) = connect(target, Some(SLOW_READ_BUFFER)).await else {
        return Seen::refused();
    };
    let request = "GET /api/items?per_page=100 HTTP/1.1\r\nHost: drill\r\n\r\n";
    let pipelined = request.repeat(SLOW_READ_REQUESTS);
    let mut seen = Seen {
        requests: SLOW_READ_REQUESTS as u64,
        ..Seen::default()
    };
    if timeout(
        deadline.saturating_duration_since(Instant::now()),
        stream.write_all(pipelined.as_bytes()),
    )
    .await
    .is_err()
    {
        return seen;
    }
    let mut head = Vec::new();
    while status_of(&head).is_none() && head.len() < MAX_HEAD {
        match listen(&mut stream, deadline, &mut head).await {
            Some(0) | None => break,
            Some(_) => {}
        }
    }
    seen.statuses.extend(status_of(&head));
    // Hold the connection without reading until the end.
    tokio::time::sleep_until(deadline.into()).await;
    seen
}

/// Back-to-back GETs of `path` on a keep-alive connection (a new one when the server closes
/// it), until the deadline or the shared request cap; after a 503 it waits `back_off` if given.
async fn hammer(
    target: SocketAddr,
    path: &str,
    back_off: Option<Duration>,
    deadline: Instant,
    sent: &AtomicU64,
) -> Seen {
    let request = format!("GET {path} HTTP/1.1\r\nHost: drill\r\n\r\n");
    let mut seen = Seen::default();
    let mut stream: Option<TcpStream> = None;
    while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < Attack::MAX_REQUESTS {
        if stream.is_none() {
            stream = connect(target, None).await;
            if stream.is_none() {
                seen.refused = true;
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        }
        let Some(connection) = stream.as_mut() else {
            continue;
        };
        seen.requests += 1;
        let started = Instant::now();
        let bound = deadline.saturating_duration_since(started) + ANSWER_GRACE;
        let Ok(Some(answer)) = timeout(bound, exchange(connection, &request)).await else {
            // No answer (a hang or a dropped connection): counted as sent, not answered.
            stream = None;
            continue;
        };
        let took = started.elapsed();
        seen.slowest = Some(seen.slowest.map_or(took, |slowest| slowest.max(took)));
        seen.statuses.push(answer.status);
        seen.overloaded += u64::from(answer.overloaded);
        seen.instances_full += u64::from(answer.instances_full);
        if !answer.keep_alive {
            stream = None;
        }
        if answer.status == 503
            && let Some(pause) = back_off
        {
            tokio::time::sleep(pause).await;
        }
    }
    seen
}

/// One request, waiting for its answer until the deadline.
async fn once(target: SocketAddr, method: &str, path: &str, deadline: Instant) -> Seen {
    let Some(mut stream) = connect(target, None).await else {
        return Seen::refused();
    };
    let mut seen = Seen::one_request();
    let request = format!("{method} {path} HTTP/1.1\r\nHost: drill\r\nContent-Length: 0\r\n\r\n");
    let started = Instant::now();
    let left = deadline.saturating_duration_since(started);
    if let Ok(Some(answer)) = timeout(left, exchange(&mut stream, &request)).await {
        seen.slowest = Some(started.elapsed());
        seen.statuses.push(answer.status);
    }
    seen
}

/// One answer, as the request loops read it.
struct Answer {
    status: u16,
    keep_alive: bool,
    /// A 503 with `Retry-After`: the app's overloaded dependency.
    overloaded: bool,
    /// edge-host's refusal when all its instances are in use.
    instances_full: bool,
}

/// One request on a kept-alive connection and its whole answer.
async fn exchange(stream: &mut TcpStream, request: &str) -> Option<Answer> {
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut bytes = Vec::with_capacity(1024);
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&buffer[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(head_len) = response.parse(&bytes).ok()? else {
            if bytes.len() > MAX_HEAD {
                return None;
            }
            continue;
        };
        let status = response.code?;
        let header = |name: &str| {
            response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .and_then(|h| std::str::from_utf8(h.value).ok())
                .map(str::to_ascii_lowercase)
        };
        let keep_alive = header("connection").as_deref() != Some("close");
        let retry_after = header("retry-after").is_some();
        let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
        let length: usize = header("content-length")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let mut body = bytes.split_off(head_len);
        let complete = |body: &[u8]| {
            if chunked {
                body.ends_with(b"0\r\n\r\n")
            } else {
                body.len() >= length
            }
        };
        while !complete(&body) {
            let read = stream.read(&mut buffer).await.ok()?;
            if read == 0 {
                return None;
            }
            body.extend_from_slice(&buffer[..read]);
        }
        let instances_full = status == 503
            && body
                .windows(INSTANCES_FULL.len())
                .any(|window| window == INSTANCES_FULL);
        return Some(Answer {
            status,
            keep_alive,
            overloaded: status == 503 && retry_after,
            instances_full,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::status_of;

    #[test]
    fn reads_the_status_once_its_line_is_complete() {
        assert_eq!(status_of(b"HTTP/1.1 429 Too Many Requests\r\n"), Some(429));
        assert_eq!(
            status_of(b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"),
            Some(200)
        );
        assert_eq!(status_of(b"HTTP/1.1 429 Too"), None);
        assert_eq!(status_of(b""), None);
        assert_eq!(status_of(b"garbage\r\n"), None);
    }
}
