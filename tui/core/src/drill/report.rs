//! A drill's report (one round, or several for the durability drill) and its text form; the
//! JSON form is the same struct serialized.

use super::catalogue::{DRILLS, Drill};
use super::evaluate::{Check, Observed};
use serde::Serialize;
use std::fmt::Write as _;

/// One round: the fault, the heal and what was seen around them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    pub round: u32,
    #[serde(flatten)]
    pub observed: Observed,
    pub checks: Vec<Check>,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillReport {
    pub drill: String,
    pub profile: String,
    pub project: String,
    pub service: String,
    /// The container the fault hit (the last round's).
    pub container: String,
    pub fault: String,
    pub heal: String,
    pub expected: String,
    pub request: String,
    /// Requests per second the load aimed at.
    pub rate: u32,
    pub rounds: Vec<Round>,
    /// The drill could not run to its end (the message says why); the heal still ran.
    pub error: Option<String>,
    /// Healing failed: the stack may be left broken. Holds the command that recovers it.
    pub heal_failure: Option<String>,
    pub passed: bool,
    /// One line: the verdict's grounds (the dashboard's Drills panel shows it).
    pub summary: String,
}

impl DrillReport {
    /// An empty report for `drill` on `profile`; the runner fills the rounds.
    pub fn new(drill: &Drill, profile: &str, project: &str, rate: u32) -> Self {
        Self {
            drill: drill.name.to_string(),
            profile: profile.to_string(),
            project: project.to_string(),
            service: drill.service.to_string(),
            container: String::new(),
            fault: drill.fault_text.to_string(),
            heal: drill.heal_text.to_string(),
            expected: drill.expected.to_string(),
            request: drill.workload.request().to_string(),
            rate,
            rounds: Vec::new(),
            error: None,
            heal_failure: None,
            passed: false,
            summary: String::new(),
        }
    }

    /// Passed: every round passed, no error, healed.
    pub fn settle(&mut self) {
        self.passed = !self.rounds.is_empty()
            && self.rounds.iter().all(|r| r.passed)
            && self.error.is_none()
            && self.heal_failure.is_none();
        self.summary = summary(self);
    }
}

/// Several drills' reports, as `drill run --json` prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub passed: bool,
    pub drills: Vec<DrillReport>,
}

impl RunReport {
    pub fn new(drills: Vec<DrillReport>) -> Self {
        Self {
            passed: !drills.is_empty() && drills.iter().all(|d| d.passed),
            drills,
        }
    }
}

fn verdict(passed: bool) -> &'static str {
    if passed { "PASS" } else { "FAIL" }
}

fn round_lines(out: &mut String, round: &Round) {
    let figures = &round.observed.figures;
    let failed = &figures.failed;
    let _ = writeln!(
        out,
        "  observed   sent {}, ok {}, degraded {}, failed {} (4xx {}, 5xx {}, no answer {})",
        figures.sent,
        figures.succeeded,
        figures.degraded,
        failed.total(),
        failed.client_4xx,
        failed.server_5xx,
        failed.no_answer
    );
    if !figures.failed_statuses.is_empty() {
        let statuses: Vec<String> = figures
            .failed_statuses
            .iter()
            .map(|(status, count)| format!("{status}×{count}"))
            .collect();
        let _ = writeln!(out, "             statuses {}", statuses.join(", "));
    }
    let p99 = figures
        .fault_p99_ms
        .map_or("-".to_string(), |ms| format!("{ms} ms"));
    let recovered = figures
        .time_to_recover_ms
        .map_or("never".to_string(), |ms| {
            format!("{:.1} s", ms as f64 / 1000.0)
        });
    let _ = writeln!(
        out,
        "             p99 during the fault {p99} ({} requests); recovered {recovered} after the heal",
        figures.fault_requests
    );
    let healthy = round
        .observed
        .healthy_ms
        .map_or("not within the drill".to_string(), |ms| {
            format!("{:.1} s after the fault", ms as f64 / 1000.0)
        });
    let _ = writeln!(out, "             target healthy again {healthy}");
    if let Some(restarted) = round.observed.restarted {
        let after = round
            .observed
            .restart_ms
            .map(|ms| format!(", running again after {:.1} s", ms as f64 / 1000.0))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "             restarted {}{after}",
            if restarted { "yes" } else { "no" }
        );
    }
    if let Some(counter) = &round.observed.counter {
        let _ = writeln!(
            out,
            "  counter    {} acknowledged before the kill, Redis came back at {}: {} lost; \
             appendonly {}, appendfsync {}",
            counter.acknowledged,
            counter.recovered,
            counter.lost,
            counter.appendonly,
            counter.appendfsync
        );
    }
    if let Some(refusal) = &round.observed.refusal {
        let _ = writeln!(
            out,
            "  attempted  {}: {}",
            refusal.attempted, refusal.message
        );
    }
    if let Some(reason) = &round.observed.not_ready {
        let _ = writeln!(out, "             not ready: {reason}");
    }
    if let Some(attack) = &round.observed.attack {
        let _ = writeln!(out, "  {}", super::attack::describe(attack));
    }
    if let Some(writes) = &round.observed.writes {
        let _ = writeln!(
            out,
            "  writes     acknowledged {} of {}, lost {}, unacknowledged but present {}; fsync {}, synchronous_commit {}",
            writes.acknowledged,
            writes.attempted,
            writes.lost,
            writes.unacknowledged_present,
            writes.fsync,
            writes.synchronous_commit
        );
        if !writes.lost_sample.is_empty() {
            let _ = writeln!(out, "             lost: {}", writes.lost_sample.join(", "));
        }
    }
    for (index, check) in round.checks.iter().enumerate() {
        let label = if index == 0 { "  checks" } else { "" };
        let mark = if check.passed { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "{label:<13}{mark} {}: {}", check.what, check.observed);
    }
}

/// One line for a report: a heal failure or error first, else the last round's figures and the
/// checks that failed.
fn summary(report: &DrillReport) -> String {
    if let Some(failure) = &report.heal_failure {
        return format!("HEAL FAILED: {failure}");
    }
    if let Some(error) = &report.error {
        return error.clone();
    }
    let Some(round) = report.rounds.last() else {
        return "no round ran".into();
    };
    let figures = &round.observed.figures;
    let mut text = format!("{} sent, {} failed", figures.sent, figures.failed.total());
    if let Some(p99) = figures.fault_p99_ms {
        text.push_str(&format!(", p99 {p99} ms during the fault"));
    }
    match figures.time_to_recover_ms {
        Some(ms) => text.push_str(&format!(
            ", recovered {:.1} s after the heal",
            ms as f64 / 1000.0
        )),
        None => text.push_str(", never recovered"),
    }
    if let Some(writes) = &round.observed.writes {
        text.push_str(&format!(
            ", {} writes acknowledged, {} lost",
            writes.acknowledged, writes.lost
        ));
    }
    let failed: Vec<&str> = round
        .checks
        .iter()
        .filter(|check| !check.passed)
        .map(|check| check.what.as_str())
        .collect();
    if !failed.is_empty() {
        text.push_str(&format!("; failed: {}", failed.join(", ")));
    }
    text
}

/// The report as the terminal shows it.
pub fn render_text(report: &DrillReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "drill {} on {} ({}, {} {})",
        report.drill, report.profile, report.project, report.service, report.container
    );
    let _ = writeln!(out, "  fault      {}", report.fault);
    let _ = writeln!(out, "  heal       {}", report.heal);
    let _ = writeln!(out, "  expected   {}", report.expected);
    let _ = writeln!(
        out,
        "  load       {} at {} req/s",
        report.request, report.rate
    );
    for round in &report.rounds {
        if report.rounds.len() > 1 {
            let _ = writeln!(out, "  round {}: {}", round.round, verdict(round.passed));
        }
        round_lines(&mut out, round);
    }
    if let Some(error) = &report.error {
        let _ = writeln!(out, "  error      {error}");
    }
    if let Some(failure) = &report.heal_failure {
        let _ = writeln!(out, "  !!! HEAL FAILED: {failure}");
    }
    let _ = writeln!(out, "  {}", verdict(report.passed));
    out
}

/// `drill list`: the catalogue, with whether each drill applies to `profile`.
pub fn render_list(profile: &str) -> String {
    let mut out = String::new();
    for drill in DRILLS {
        let applies = if drill.applies_to(profile) {
            String::new()
        } else {
            format!(" (not on {profile})")
        };
        let _ = writeln!(
            out,
            "{:<26}{} [{}]{applies}",
            drill.name,
            drill.service,
            drill.profiles.join(",")
        );
        let _ = writeln!(out, "    fault     {}", drill.fault_text);
        let _ = writeln!(out, "    heal      {}", drill.heal_text);
        let _ = writeln!(out, "    load      {}", drill.workload.request());
        let _ = writeln!(out, "    expected  {}", drill.expected);
        let _ = writeln!(out, "    check     {}", drill.check_text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::catalogue::find;
    use crate::drill::evaluate::{Writes, evaluate, passed};
    use crate::drill::figures::{Failed, Figures};
    use std::collections::BTreeMap;

    fn report(lost: u64) -> DrillReport {
        let drill = find("postgres-kill-durability").expect("in the table");
        let mut report = DrillReport::new(drill, "local", "stack-local", 16);
        report.container = "stack-local-postgres-1".into();
        let observed = Observed {
            figures: Figures {
                sent: 520,
                succeeded: 480,
                degraded: 0,
                failed: Failed {
                    server_5xx: 38,
                    no_answer: 2,
                    ..Failed::default()
                },
                failed_statuses: BTreeMap::from([(502, 3), (503, 35)]),
                fault_requests: 60,
                fault_degraded: 0,
                fault_p99_ms: Some(1004),
                time_to_recover_ms: Some(2600),
            },
            restarted: Some(true),
            restart_ms: Some(400),
            healthy_ms: Some(6100),
            writes: Some(Writes {
                attempted: 520,
                acknowledged: 480,
                lost,
                unacknowledged_present: 1,
                lost_sample: (0..lost).map(|n| format!("drill-x-1-{n}")).collect(),
                fsync: "on".into(),
                synchronous_commit: "on".into(),
            }),
            attack: None,
            not_ready: None,
            refusal: None,
            counter: None,
        };
        let checks = evaluate(&drill.expect, &observed);
        report.rounds.push(Round {
            round: 1,
            passed: passed(&checks),
            observed,
            checks,
        });
        report.settle();
        report
    }

    #[test]
    fn text_shows_figures_checks_and_verdict() {
        let text = render_text(&report(0));
        for part in [
            "drill postgres-kill-durability on local (stack-local, postgres stack-local-postgres-1)",
            "sent 520, ok 480, degraded 0, failed 40 (4xx 0, 5xx 38, no answer 2)",
            "statuses 502×3, 503×35",
            "p99 during the fault 1004 ms (60 requests); recovered 2.6 s after the heal",
            "restarted yes, running again after 0.4 s",
            "target healthy again 6.1 s after the fault",
            "acknowledged 480 of 520, lost 0, unacknowledged but present 1; fsync on, synchronous_commit on",
            "ok   no acknowledged write lost: 0 lost",
        ] {
            assert!(text.contains(part), "missing {part:?} in\n{text}");
        }
        assert!(text.trim_end().ends_with("PASS"), "{text}");
        let lost = render_text(&report(2));
        assert!(
            lost.contains("FAIL no acknowledged write lost: 2 lost"),
            "{lost}"
        );
        assert!(lost.contains("lost: drill-x-1-0, drill-x-1-1"), "{lost}");
        assert!(lost.trim_end().ends_with("FAIL"), "{lost}");
    }

    #[test]
    fn a_heal_failure_fails_the_drill_loudly() {
        let mut failed = report(0);
        failed.heal_failure = Some("postgres is still paused; run `docker unpause x`".into());
        failed.settle();
        assert!(!failed.passed);
        assert!(render_text(&failed).contains("!!! HEAL FAILED: postgres is still paused"));
    }

    #[test]
    fn json_carries_the_figures_flat_per_round() {
        let run = RunReport::new(vec![report(0)]);
        let json = serde_json::to_value(&run).expect("serializable");
        assert_eq!(json["passed"], true);
        let round = &json["drills"][0]["rounds"][0];
        assert_eq!(round["figures"]["sent"], 520);
        assert_eq!(round["figures"]["failed"]["server_5xx"], 38);
        assert_eq!(round["writes"]["lost"], 0);
        assert_eq!(round["writes"]["acknowledged"], 480);
        assert_eq!(round["restarted"], true);
        assert!(!RunReport::new(Vec::new()).passed);
    }

    #[test]
    fn list_marks_drills_that_do_not_apply() {
        let list = render_list("local");
        assert!(list.contains("app-replica-kill          app [dev,prod] (not on local)"));
        assert!(list.contains("redis-kill                redis [local,dev,prod]\n"));
        assert_eq!(list.matches("    expected  ").count(), DRILLS.len());
    }
}
