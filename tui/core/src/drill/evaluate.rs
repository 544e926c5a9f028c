//! Pass or fail: each of a drill's expectations checked against what one round observed.

use super::attack::{AttackFigures, attack_checks};
use super::catalogue::Expectation;
use super::counter::{CounterLoss, within_contract};
use super::figures::Figures;
use serde::Serialize;

/// What the durability drill wrote and read back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Writes {
    pub attempted: u64,
    /// Answered 201.
    pub acknowledged: u64,
    /// Acknowledged but not in the table afterwards.
    pub lost: u64,
    /// Not acknowledged (an error or no answer) yet in the table: the commit happened, its answer
    /// did not arrive. Allowed; reported because it shows where the kill landed.
    pub unacknowledged_present: u64,
    /// A few lost names, to look up by hand.
    pub lost_sample: Vec<String>,
    /// `SHOW fsync` / `SHOW synchronous_commit` in the running server.
    pub fsync: String,
    pub synchronous_commit: String,
}

/// An action a drill expects the stack to refuse (an `up` over the other image source's data,
/// an nginx reload past its pids room), and what the refusal left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefusalSeen {
    /// What was attempted, for the report.
    pub attempted: String,
    pub refused: bool,
    /// The refusal as the stack said it (or what happened instead).
    pub message: String,
    /// The refusal named the way out.
    pub names_fix: bool,
    /// What the refusal had to leave as it was.
    pub kept: String,
    pub unchanged: bool,
}

/// What one round of a drill observed beside the load's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    pub figures: Figures,
    /// Whether the target came back by its restart policy (kills only).
    pub restarted: Option<bool>,
    /// How long after the kill the engine reported the container running again.
    pub restart_ms: Option<u64>,
    /// How long after the fault the target was healthy again (`None`: not within the drill).
    pub healthy_ms: Option<u64>,
    pub writes: Option<Writes>,
    /// What the edge drills' second client saw.
    pub attack: Option<AttackFigures>,
    /// The first reason an app replica gave for not being ready during the fault.
    pub not_ready: Option<String>,
    /// What a refusal drill attempted and what came of it.
    pub refusal: Option<RefusalSeen>,
    /// Redis' visit counter across the kill (redis-kill).
    pub counter: Option<CounterLoss>,
}

/// One expectation, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub what: String,
    pub passed: bool,
    pub observed: String,
}

fn check(what: impl Into<String>, passed: bool, observed: impl Into<String>) -> Check {
    Check {
        what: what.into(),
        passed,
        observed: observed.into(),
    }
}

/// Every expectation that applies, in a stable order.
pub fn evaluate(expect: &Expectation, observed: &Observed) -> Vec<Check> {
    let figures = &observed.figures;
    let mut checks = Vec::new();
    let failed = figures.failed.total();
    if figures.sent == 0 {
        checks.push(check("requests were sent", false, "none sent"));
    }
    if expect.max_failed_share < 1.0 {
        let allowed = (expect.max_failed_share * figures.sent as f64).floor() as u64;
        let what = if allowed == 0 && expect.max_failed_share == 0.0 {
            "no failed request".to_string()
        } else {
            format!(
                "at most {:.0} % of requests failed",
                expect.max_failed_share * 100.0
            )
        };
        checks.push(check(
            what,
            failed <= allowed,
            format!("{failed} of {} failed", figures.sent),
        ));
    }
    if let Some(statuses) = expect.failure_statuses {
        let others: Vec<String> = figures
            .failed_statuses
            .keys()
            .filter(|status| !statuses.contains(status))
            .map(u16::to_string)
            .chain((figures.failed.no_answer > 0).then(|| "no answer".to_string()))
            .collect();
        let wanted: Vec<String> = statuses.iter().map(u16::to_string).collect();
        checks.push(check(
            format!("failures answer {} only", wanted.join("/")),
            others.is_empty() && failed > 0,
            if failed == 0 {
                "no request failed: the fault did not reach the requests".to_string()
            } else if others.is_empty() {
                format!("{failed} failed, all {}", wanted.join("/"))
            } else {
                format!("also {}", others.join(", "))
            },
        ));
    }
    if let Some(limit) = expect.max_fault_p99 {
        let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        checks.push(match figures.fault_p99_ms {
            Some(p99) => check(
                format!("p99 during the fault under {limit_ms} ms"),
                p99 < limit_ms,
                format!("{p99} ms over {} requests", figures.fault_requests),
            ),
            None => check(
                format!("p99 during the fault under {limit_ms} ms"),
                false,
                "no request during the fault",
            ),
        });
    }
    if expect.degraded_seen {
        checks.push(check(
            "cache shown unavailable during the fault",
            figures.fault_degraded > 0,
            format!("{} degraded answers", figures.fault_degraded),
        ));
    }
    if expect.restarted {
        let restarted = observed.restarted == Some(true);
        checks.push(check(
            "restarted by its restart policy",
            restarted,
            match (observed.restarted, observed.restart_ms) {
                (Some(true), Some(ms)) => format!("running again {ms} ms after the kill"),
                (Some(true), None) => "running again".to_string(),
                _ => "not restarted by the engine".to_string(),
            },
        ));
    }
    if expect.durable {
        match &observed.writes {
            Some(writes) => {
                checks.push(check(
                    "writes were acknowledged",
                    writes.acknowledged > 0,
                    format!("{} of {}", writes.acknowledged, writes.attempted),
                ));
                checks.push(check(
                    "no acknowledged write lost",
                    writes.lost == 0 && writes.acknowledged > 0,
                    format!("{} lost", writes.lost),
                ));
            }
            None => checks.push(check("writes read back", false, "nothing read back")),
        }
    }
    if expect.not_ready_seen {
        checks.push(check(
            "the app shown not ready during the fault",
            observed.not_ready.is_some(),
            observed
                .not_ready
                .clone()
                .unwrap_or_else(|| "every probe said ready".to_string()),
        ));
    }
    if expect.counter_durable {
        checks.push(match &observed.counter {
            Some(loss) => {
                let (kept, words) = within_contract(loss);
                check(
                    "Redis lost no increment older than the append-only policy's window",
                    kept,
                    words,
                )
            }
            None => check(
                "Redis lost no increment older than the append-only policy's window",
                false,
                "no answer carried the counter before or after the kill",
            ),
        });
    }
    if expect.refused {
        checks.extend(refusal_checks(observed.refusal.as_ref()));
    }
    if let Some(wanted) = expect.attack {
        match &observed.attack {
            Some(seen) => checks.extend(
                attack_checks(wanted, seen)
                    .into_iter()
                    .map(|(what, passed, seen)| check(what, passed, seen)),
            ),
            None => checks.push(check("the second client ran", false, "it did not")),
        }
    }
    let limit_ms = u64::try_from(expect.recover_within.as_millis()).unwrap_or(u64::MAX);
    checks.push(match figures.time_to_recover_ms {
        Some(ms) => check(
            format!("recovered within {} s", limit_ms / 1000),
            ms <= limit_ms,
            format!("{ms} ms after the heal"),
        ),
        None => check(
            format!("recovered within {} s", limit_ms / 1000),
            false,
            "requests never succeeded again",
        ),
    });
    checks
}

fn refusal_checks(refusal: Option<&RefusalSeen>) -> Vec<Check> {
    let Some(refusal) = refusal else {
        return vec![check("the action was attempted", false, "it was not")];
    };
    vec![
        check(
            format!("{} refused, naming the fix", refusal.attempted),
            refusal.refused && refusal.names_fix,
            refusal.message.clone(),
        ),
        check(
            format!("{} left as they were", refusal.kept),
            refusal.unchanged,
            if refusal.unchanged {
                "unchanged"
            } else {
                "changed"
            },
        ),
    ]
}

/// A round passes when every check does.
pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.passed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::catalogue::find;
    use crate::drill::figures::Failed;
    use std::collections::BTreeMap;

    fn figures() -> Figures {
        Figures {
            sent: 100,
            succeeded: 100,
            degraded: 0,
            failed: Failed::default(),
            failed_statuses: BTreeMap::new(),
            fault_requests: 20,
            fault_degraded: 0,
            fault_p99_ms: Some(40),
            time_to_recover_ms: Some(1200),
        }
    }

    fn observed(figures: Figures) -> Observed {
        Observed {
            figures,
            restarted: Some(true),
            restart_ms: Some(300),
            healthy_ms: Some(5000),
            writes: None,
            attack: None,
            not_ready: None,
            refusal: None,
            counter: None,
        }
    }

    fn failing(checks: &[Check]) -> Vec<&str> {
        checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.what.as_str())
            .collect()
    }

    #[test]
    fn redis_kill_passes_with_no_failure_and_a_restart() {
        let drill = find("redis-kill").expect("in the table");
        let kept = CounterLoss {
            acknowledged: 200,
            recovered: 195,
            lost: 5,
            acknowledged_in_window: 30,
            appendonly: "yes".into(),
            appendfsync: "everysec".into(),
        };
        let mut fine = observed(figures());
        fine.counter = Some(kept.clone());
        let checks = evaluate(&drill.expect, &fine);
        assert!(passed(&checks), "{checks:#?}");
        fine.counter = Some(CounterLoss {
            recovered: 0,
            lost: 200,
            ..kept.clone()
        });
        assert_eq!(
            failing(&evaluate(&drill.expect, &fine)),
            ["Redis lost no increment older than the append-only policy's window"]
        );
        fine.counter = None;
        assert!(!passed(&evaluate(&drill.expect, &fine)));

        let mut broken = figures();
        broken.failed.server_5xx = 1;
        broken.failed_statuses.insert(502, 1);
        let mut not_restarted = observed(broken);
        not_restarted.restarted = Some(false);
        not_restarted.counter = Some(kept);
        let checks = evaluate(&drill.expect, &not_restarted);
        assert_eq!(
            failing(&checks),
            ["no failed request", "restarted by its restart policy"]
        );
    }

    #[test]
    fn postgres_pause_wants_503s_only_and_fast_answers() {
        let drill = find("postgres-pause").expect("in the table");
        let mut good = figures();
        good.failed.server_5xx = 30;
        good.failed_statuses.insert(503, 30);
        good.fault_p99_ms = Some(1010);
        assert!(passed(&evaluate(&drill.expect, &observed(good.clone()))));

        let mut hung = good.clone();
        hung.failed_statuses.insert(504, 2);
        hung.failed.no_answer = 1;
        hung.fault_p99_ms = Some(30_000);
        let checks = evaluate(&drill.expect, &observed(hung));
        assert_eq!(
            failing(&checks),
            [
                "failures answer 503 only",
                "p99 during the fault under 2500 ms"
            ]
        );
        let also = checks
            .iter()
            .find(|c| c.what.starts_with("failures"))
            .map(|c| c.observed.clone());
        assert_eq!(also.as_deref(), Some("also 504, no answer"));

        // A pause nobody noticed proves nothing.
        let unnoticed = evaluate(&drill.expect, &observed(figures()));
        assert_eq!(failing(&unnoticed), ["failures answer 503 only"]);
    }

    #[test]
    fn durability_fails_on_one_lost_write() {
        let drill = find("postgres-kill-durability").expect("in the table");
        let mut round = observed(figures());
        round.writes = Some(Writes {
            attempted: 500,
            acknowledged: 470,
            ..Writes::default()
        });
        assert!(passed(&evaluate(&drill.expect, &round)));
        if let Some(writes) = round.writes.as_mut() {
            writes.lost = 1;
        }
        assert_eq!(
            failing(&evaluate(&drill.expect, &round)),
            ["no acknowledged write lost"]
        );
        round.writes = None;
        assert_eq!(
            failing(&evaluate(&drill.expect, &round)),
            ["writes read back"]
        );
    }

    #[test]
    fn replica_kill_allows_a_few_failures() {
        let drill = find("app-replica-kill").expect("in the table");
        let mut few = figures();
        few.failed.server_5xx = 5;
        assert!(passed(&evaluate(&drill.expect, &observed(few.clone()))));
        few.failed.no_answer = 1;
        let checks = evaluate(&drill.expect, &observed(few));
        assert_eq!(failing(&checks), ["at most 5 % of requests failed"]);
    }

    #[test]
    fn no_recovery_fails() {
        let drill = find("redis-pause").expect("in the table");
        let mut stuck = figures();
        stuck.time_to_recover_ms = None;
        stuck.fault_degraded = 4;
        let checks = evaluate(&drill.expect, &observed(stuck));
        assert_eq!(failing(&checks), ["recovered within 15 s"]);
    }
}
