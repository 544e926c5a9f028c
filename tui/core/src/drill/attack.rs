//! The second client of the edge and overload drills: what it does, what it saw, and what a
//! passing run must show. It runs from its own address on the stack's frontend network (a
//! drill-made container), so nginx's per-client limits tell it apart from the polite load on the
//! host, and it can reach an app replica without nginx in between.

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// What the second client does to nginx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attack {
    /// Slowloris: many connections, each sending its request headers one line every few
    /// seconds and never finishing them.
    SlowHeaders,
    /// Slow POST: complete headers announcing a body, then the body a byte every few seconds.
    SlowBody,
    /// Slow read: requests for the largest answer, pipelined, on connections that read
    /// almost nothing back (a tiny receive window), so nginx's writes back up.
    SlowRead,
    /// As many requests as a few keep-alive connections can send, bounded in count and time.
    Flood,
    /// Item reads straight to one app replica, more at once than it has instances, while
    /// `items` is locked so that each one holds its instance.
    InstancePool,
    /// Item reads straight to one app replica, more at once than its Postgres pool has
    /// connections (fewer than its instances), while `items` is locked.
    PostgresPool,
    /// Requests straight to one app replica for the app's debug route that computes without
    /// end, more at once than edge-host has runtime threads.
    GuestCpuLoop,
    /// `GET /metrics` and `POST /admin/reload` to edge-host's admin port on one app replica's
    /// frontend address, as any other container could send them.
    AdminListener,
}

impl Attack {
    /// Connections the second client opens (flood: its keep-alive connections).
    pub fn connections(self) -> u32 {
        match self {
            Self::SlowHeaders | Self::InstancePool => 128,
            Self::SlowBody | Self::SlowRead => 64,
            Self::PostgresPool => 40,
            Self::Flood => 16,
            Self::GuestCpuLoop => 4,
            Self::AdminListener => 2,
        }
    }

    /// The service the second client speaks to: nginx, or one app replica directly.
    pub fn target_service(self) -> &'static str {
        match self {
            Self::InstancePool | Self::PostgresPool | Self::GuestCpuLoop | Self::AdminListener => {
                "app"
            }
            Self::SlowHeaders | Self::SlowBody | Self::SlowRead | Self::Flood => "nginx",
        }
    }

    /// Whether `items` is locked while the client runs, so that each request holds its
    /// instance and its pool connection up to the app's statement timeout.
    pub fn locks_items(self) -> bool {
        matches!(self, Self::InstancePool | Self::PostgresPool)
    }

    /// The most requests the request loops (flood, pools) send, whatever the hold time.
    pub const MAX_REQUESTS: u64 = 30_000;
}

/// What the second client saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttackFigures {
    pub connections: u64,
    /// Connections nginx refused or reset before the client had sent anything.
    pub refused: u64,
    pub requests: u64,
    /// Answers by status (only the status line is read on slow connections).
    pub statuses: BTreeMap<u16, u64>,
    /// Connections nginx closed while the client was still slow.
    pub closed_by_server: u64,
    /// When nginx closed the last of them, from the connection's start.
    pub last_closed_ms: Option<u64>,
    /// nginx's requests-in-progress limit per client (`STACK_CONN_LIMIT`) during the run.
    pub conn_limit: u32,
    /// 503s that said the dependency is overloaded (with `Retry-After`): a pool wait ran out.
    pub overloaded: u64,
    /// 503s from edge-host itself: every instance of the replica was in use.
    pub instances_full: u64,
    /// The slowest answer the client got, in milliseconds.
    pub slowest_ms: Option<u64>,
}

impl AttackFigures {
    pub fn count(&self, status: u16) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }
}

/// What a passing run must show about the second client.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackExpectation {
    /// nginx closes at least nine in ten slow connections itself, each within this time.
    CutOffWithin(Duration),
    /// nginx lets the client hold at most its requests-in-progress limit: every connection
    /// beyond it is answered 429 at once.
    HeldAtMostConnLimit,
    /// At least this share of the client's requests is answered 429 (its own rate bucket).
    RateLimited { min_share: f64 },
    /// Every answer is 200 or 503, each within the bound, and at least one 503 says the
    /// replica's instances were all in use.
    InstancesRefused { within: Duration },
    /// Every answer is 200 or 503, each within the bound, and at least one 503 says the
    /// Postgres pool was exhausted (overload, with `Retry-After`).
    PoolOverloaded { within: Duration },
    /// Every request of the client was stopped by the host and answered 504.
    StoppedAtDeadline,
    /// Every connection of the client was refused: nothing listens where it knocked.
    Unreachable,
    /// Nothing about the client itself: only the polite load's checks apply.
    PoliteOnly,
}

/// The checks for the second client, as (what, passed, observed).
pub fn attack_checks(
    expect: AttackExpectation,
    seen: &AttackFigures,
) -> Vec<(String, bool, String)> {
    match expect {
        AttackExpectation::CutOffWithin(limit) => {
            let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
            let wanted = seen.connections * 9 / 10;
            let last = seen
                .last_closed_ms
                .map_or("-".to_string(), |ms| format!("{:.1} s", ms as f64 / 1000.0));
            vec![(
                format!(
                    "nginx closed ≥ 90 % of the slow connections, each within {} s",
                    limit_ms / 1000
                ),
                seen.connections > 0
                    && seen.closed_by_server >= wanted
                    && seen.last_closed_ms.is_some_and(|ms| ms <= limit_ms),
                format!(
                    "{} of {} closed by nginx, the last after {last}",
                    seen.closed_by_server, seen.connections
                ),
            )]
        }
        AttackExpectation::HeldAtMostConnLimit => {
            let beyond = seen.connections.saturating_sub(u64::from(seen.conn_limit));
            let refused = seen.count(429);
            vec![(
                format!(
                    "the slow client held at most {} requests, the rest answered 429",
                    seen.conn_limit
                ),
                seen.connections > u64::from(seen.conn_limit) && refused >= beyond,
                format!(
                    "{refused} of {} answered 429 ({beyond} beyond the limit)",
                    seen.connections
                ),
            )]
        }
        AttackExpectation::RateLimited { min_share } => {
            let limited = seen.count(429);
            let share = if seen.requests == 0 {
                0.0
            } else {
                limited as f64 / seen.requests as f64
            };
            vec![(
                format!(
                    "at least {:.0} % of the flood answered 429",
                    min_share * 100.0
                ),
                seen.requests > 0 && share >= min_share,
                format!(
                    "{limited} of {} ({:.1} %) answered 429",
                    seen.requests,
                    share * 100.0
                ),
            )]
        }
        AttackExpectation::InstancesRefused { within } => {
            let mut checks = answered_in_time(seen, within);
            checks.push((
                "the replica refused what it had no instance for (503 at once)".to_string(),
                seen.instances_full > 0,
                format!(
                    "{} answered 'too many requests in flight'",
                    seen.instances_full
                ),
            ));
            checks
        }
        AttackExpectation::PoolOverloaded { within } => {
            let mut checks = answered_in_time(seen, within);
            checks.push((
                "pool exhaustion answered as overload (503 with Retry-After)".to_string(),
                seen.overloaded > 0,
                format!("{} answered overloaded", seen.overloaded),
            ));
            checks
        }
        AttackExpectation::StoppedAtDeadline => {
            let stopped = seen.count(504);
            let slowest = seen
                .slowest_ms
                .map_or("-".to_string(), |ms| format!("{:.1} s", ms as f64 / 1000.0));
            vec![(
                "every runaway request stopped at the deadline (504)".to_string(),
                seen.requests > 0 && stopped == seen.requests,
                format!(
                    "{stopped} of {} answered 504, the last after {slowest}",
                    seen.requests
                ),
            )]
        }
        AttackExpectation::Unreachable => vec![(
            "the client could not connect at all".to_string(),
            seen.connections > 0 && seen.refused == seen.connections,
            if seen.refused == seen.connections {
                format!(
                    "{} of {} connections refused",
                    seen.refused, seen.connections
                )
            } else {
                format!(
                    "{} of {} connections accepted, answers {}",
                    seen.connections - seen.refused,
                    seen.connections,
                    describe_statuses(seen)
                )
            },
        )],
        AttackExpectation::PoliteOnly => Vec::new(),
    }
}

/// Every answer the client got was 200 or 503 (never 500, 502, 504 or none), within `within`.
fn answered_in_time(seen: &AttackFigures, within: Duration) -> Vec<(String, bool, String)> {
    let within_ms = u64::try_from(within.as_millis()).unwrap_or(u64::MAX);
    let answered: u64 = seen.statuses.values().sum();
    let unanswered = seen.requests.saturating_sub(answered);
    let problems: Vec<String> = seen
        .statuses
        .iter()
        .filter(|(status, _)| !matches!(status, 200 | 503))
        .map(|(status, count)| format!("{status}×{count}"))
        .chain((unanswered > 0).then(|| format!("{unanswered} unanswered")))
        .collect();
    let slowest = seen
        .slowest_ms
        .map_or("-".to_string(), |ms| format!("{ms} ms"));
    vec![(
        format!(
            "every answer to the client 200 or 503 within {:.1} s",
            within.as_secs_f64()
        ),
        answered > 0 && problems.is_empty() && seen.slowest_ms.is_some_and(|ms| ms <= within_ms),
        if problems.is_empty() {
            format!("{answered} answered, the slowest in {slowest}")
        } else {
            format!("also {}", problems.join(", "))
        },
    )]
}

/// The answers by status, `200×3, 429×7`, or "no answer read".
fn describe_statuses(seen: &AttackFigures) -> String {
    let statuses: Vec<String> = seen
        .statuses
        .iter()
        .map(|(status, count)| format!("{status}×{count}"))
        .collect();
    if statuses.is_empty() {
        "no answer read".to_string()
    } else {
        statuses.join(", ")
    }
}

/// One line for the report: what the second client did and saw.
pub fn describe(seen: &AttackFigures) -> String {
    let statuses = describe_statuses(seen);
    let mut text = format!(
        "second client: {} connections ({} refused), {} requests: {statuses}; {} closed by the \
         server",
        seen.connections, seen.refused, seen.requests, seen.closed_by_server
    );
    if seen.overloaded + seen.instances_full > 0 {
        text.push_str(&format!(
            "; 503s: {} overloaded, {} instances full",
            seen.overloaded, seen.instances_full
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen() -> AttackFigures {
        AttackFigures {
            connections: 64,
            conn_limit: 32,
            ..AttackFigures::default()
        }
    }

    #[test]
    fn cut_off_needs_nine_in_ten_closed_in_time() {
        let expect = AttackExpectation::CutOffWithin(Duration::from_secs(13));
        let mut figures = seen();
        figures.closed_by_server = 60;
        figures.last_closed_ms = Some(10_200);
        assert!(attack_checks(expect, &figures)[0].1);
        figures.last_closed_ms = Some(14_000);
        assert!(!attack_checks(expect, &figures)[0].1);
        figures.last_closed_ms = Some(10_200);
        figures.closed_by_server = 10;
        assert!(!attack_checks(expect, &figures)[0].1);
    }

    #[test]
    fn the_connection_limit_refuses_the_rest() {
        let mut figures = seen();
        figures.statuses.insert(429, 32);
        assert!(attack_checks(AttackExpectation::HeldAtMostConnLimit, &figures)[0].1);
        figures.statuses.insert(429, 3);
        let checks = attack_checks(AttackExpectation::HeldAtMostConnLimit, &figures);
        assert!(!checks[0].1);
        assert!(checks[0].2.contains("3 of 64"), "{}", checks[0].2);
    }

    #[test]
    fn a_flood_must_be_mostly_limited() {
        let expect = AttackExpectation::RateLimited { min_share: 0.9 };
        let mut figures = seen();
        figures.requests = 1000;
        figures.statuses.insert(429, 950);
        figures.statuses.insert(200, 50);
        assert!(attack_checks(expect, &figures)[0].1);
        figures.statuses.insert(429, 100);
        assert!(!attack_checks(expect, &figures)[0].1);
        assert!(!attack_checks(expect, &AttackFigures::default())[0].1);
    }

    #[test]
    fn an_unreachable_listener_refuses_every_connection() {
        let mut figures = seen();
        figures.connections = 2;
        figures.refused = 2;
        assert!(attack_checks(AttackExpectation::Unreachable, &figures)[0].1);
        figures.refused = 1;
        figures.statuses.insert(200, 1);
        let checks = attack_checks(AttackExpectation::Unreachable, &figures);
        assert!(!checks[0].1);
        assert!(checks[0].2.contains("200×1"), "{}", checks[0].2);
    }

    #[test]
    fn runaway_requests_must_all_be_stopped() {
        let mut figures = seen();
        figures.requests = 4;
        figures.statuses.insert(504, 4);
        assert!(attack_checks(AttackExpectation::StoppedAtDeadline, &figures)[0].1);
        figures.statuses.insert(504, 3);
        assert!(!attack_checks(AttackExpectation::StoppedAtDeadline, &figures)[0].1);
        assert!(
            !attack_checks(
                AttackExpectation::StoppedAtDeadline,
                &AttackFigures::default()
            )[0]
            .1
        );
    }

    #[test]
    fn overload_needs_fast_503s_and_the_right_kind() {
        let expect = AttackExpectation::PoolOverloaded {
            within: Duration::from_millis(2500),
        };
        let mut figures = seen();
        figures.requests = 100;
        figures.statuses.insert(503, 90);
        figures.statuses.insert(200, 10);
        figures.overloaded = 40;
        figures.slowest_ms = Some(1100);
        assert!(attack_checks(expect, &figures).iter().all(|c| c.1));
        figures.statuses.insert(504, 1);
        figures.requests = 101;
        let checks = attack_checks(expect, &figures);
        assert!(!checks[0].1);
        assert!(checks[0].2.contains("504×1"), "{}", checks[0].2);
        figures.statuses.remove(&504);
        figures.requests = 102;
        assert!(!attack_checks(expect, &figures)[0].1, "two unanswered");
        figures.requests = 100;
        figures.slowest_ms = Some(30_000);
        assert!(!attack_checks(expect, &figures)[0].1, "too slow");
        figures.slowest_ms = Some(1100);
        figures.overloaded = 0;
        assert!(!attack_checks(expect, &figures)[1].1);
        let instances = AttackExpectation::InstancesRefused {
            within: Duration::from_millis(2500),
        };
        assert!(!attack_checks(instances, &figures)[1].1);
        figures.instances_full = 3;
        assert!(attack_checks(instances, &figures)[1].1);
    }
}
