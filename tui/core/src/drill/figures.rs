//! What the client load saw during a drill, reduced to the figures a report shows: requests sent,
//! failures by status class, the 99th percentile of latency while the fault lasted and the time
//! from the heal until requests succeed again.

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How many answers in a row, after the heal, make a recovery (one lucky answer does not).
pub const RECOVERY_STREAK: usize = 3;

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The workload's success answer (200, or 201 for writes).
    Ok,
    /// Served, but saying a dependency is unavailable (GET / with `"cache":"unavailable"`).
    Degraded,
    /// Any other HTTP status.
    Status(u16),
    /// No HTTP answer: refused, reset or timed out.
    NoAnswer,
}

/// One request of the load; times are offsets from the load's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub started: Duration,
    pub latency: Duration,
    pub outcome: Outcome,
    /// The visit counter a `GET /` answer carried (Redis' INCR, acknowledged by the answer).
    pub visits: Option<u64>,
}

impl Sample {
    pub fn finished(&self) -> Duration {
        self.started + self.latency
    }
}

/// When the fault went in and when it was healed, as offsets from the load's start. For a
/// kill the restart policy is the heal, so both are the moment of the kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    pub fault: Duration,
    pub heal: Duration,
    /// When the target was healthy again (a killed replica is out of service until then even
    /// when requests already succeed through the others).
    pub back: Option<Duration>,
}

/// Failed requests by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Failed {
    pub client_4xx: u64,
    pub server_5xx: u64,
    pub no_answer: u64,
    /// 1xx/3xx, which the stack never sends for these requests.
    pub other: u64,
}

impl Failed {
    pub fn total(&self) -> u64 {
        self.client_4xx + self.server_5xx + self.no_answer + self.other
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub sent: u64,
    pub succeeded: u64,
    pub degraded: u64,
    pub failed: Failed,
    /// Failed requests by HTTP status (no answer is not a status).
    pub failed_statuses: BTreeMap<u16, u64>,
    /// Requests started between the fault and the later of the recovery and the target being
    /// healthy again (or the end, without a recovery).
    pub fault_requests: u64,
    /// Of those, how many were degraded answers.
    pub fault_degraded: u64,
    pub fault_p99_ms: Option<u64>,
    /// From the heal until the first of `RECOVERY_STREAK` successes in a row; `None` when
    /// requests never succeeded again.
    pub time_to_recover_ms: Option<u64>,
}

/// The nearest-rank percentile (`p` in 0..=100) of `values`; `None` when there are none.
pub fn percentile(values: &[u64], p: f64) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// From `heal` until requests succeed again: the finish of the first of `RECOVERY_STREAK`
/// successes in a row among the answers that finished after the heal (a success that finished
/// before the heal counts as zero).
pub fn time_to_recover(samples: &[Sample], heal: Duration) -> Option<Duration> {
    let mut after: Vec<&Sample> = samples.iter().filter(|s| s.finished() >= heal).collect();
    after.sort_by_key(|s| s.finished());
    after
        .windows(RECOVERY_STREAK)
        .find(|run| run.iter().all(|s| s.outcome == Outcome::Ok))
        .map(|run| run[0].finished().saturating_sub(heal))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Reduces the load's samples to the report's figures.
pub fn figures(samples: &[Sample], marks: Marks) -> Figures {
    let mut failed = Failed::default();
    let mut failed_statuses = BTreeMap::new();
    let (mut succeeded, mut degraded) = (0, 0);
    for sample in samples {
        match sample.outcome {
            Outcome::Ok => succeeded += 1,
            Outcome::Degraded => degraded += 1,
            Outcome::NoAnswer => failed.no_answer += 1,
            Outcome::Status(status) => {
                *failed_statuses.entry(status).or_insert(0) += 1;
                match status {
                    400..=499 => failed.client_4xx += 1,
                    500..=599 => failed.server_5xx += 1,
                    _ => failed.other += 1,
                }
            }
        }
    }
    let recovery = time_to_recover(samples, marks.heal);
    let window_end = recovery.map(|took| (marks.heal + took).max(marks.back.unwrap_or_default()));
    let in_fault: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.started >= marks.fault && window_end.is_none_or(|end| s.started <= end))
        .collect();
    let latencies: Vec<u64> = in_fault.iter().map(|s| millis(s.latency)).collect();
    Figures {
        sent: samples.len() as u64,
        succeeded,
        degraded,
        failed,
        failed_statuses,
        fault_requests: in_fault.len() as u64,
        fault_degraded: in_fault
            .iter()
            .filter(|s| s.outcome == Outcome::Degraded)
            .count() as u64,
        fault_p99_ms: percentile(&latencies, 99.0),
        time_to_recover_ms: recovery.map(millis),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(started_ms: u64, latency_ms: u64, outcome: Outcome) -> Sample {
        Sample {
            visits: None,
            started: Duration::from_millis(started_ms),
            latency: Duration::from_millis(latency_ms),
            outcome,
        }
    }

    #[test]
    fn percentile_is_nearest_rank() {
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 99.0), Some(99));
        assert_eq!(percentile(&hundred, 50.0), Some(50));
        assert_eq!(percentile(&hundred, 100.0), Some(100));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[3, 1, 2], 0.0), Some(1));
        assert_eq!(percentile(&[], 99.0), None);
        // One slow request among few is the p99.
        assert_eq!(percentile(&[5, 5, 5, 900], 99.0), Some(900));
    }

    #[test]
    fn recovery_needs_a_streak_after_the_heal() {
        let heal = Duration::from_millis(1000);
        let samples = [
            at(900, 50, Outcome::Status(503)),
            at(1000, 10, Outcome::Ok),
            at(1100, 10, Outcome::Status(503)),
            at(1200, 10, Outcome::Ok),
            at(1300, 10, Outcome::Ok),
            at(1400, 10, Outcome::Ok),
        ];
        assert_eq!(
            time_to_recover(&samples, heal),
            Some(Duration::from_millis(210))
        );
        let never = [at(1000, 10, Outcome::Ok), at(1100, 10, Outcome::NoAnswer)];
        assert_eq!(time_to_recover(&never, heal), None);
        // Degraded answers are served, but not recovered.
        let degraded = [
            at(1000, 10, Outcome::Degraded),
            at(1100, 10, Outcome::Degraded),
            at(1200, 10, Outcome::Degraded),
        ];
        assert_eq!(time_to_recover(&degraded, heal), None);
    }

    #[test]
    fn figures_count_classes_and_the_fault_window() {
        let marks = Marks {
            fault: Duration::from_millis(1000),
            heal: Duration::from_millis(2000),
            back: None,
        };
        let samples = [
            at(500, 5, Outcome::Ok),
            at(1100, 800, Outcome::Status(503)),
            at(1200, 700, Outcome::Status(503)),
            at(1300, 600, Outcome::NoAnswer),
            at(1400, 500, Outcome::Degraded),
            at(1500, 3, Outcome::Status(429)),
            at(2100, 4, Outcome::Ok),
            at(2200, 4, Outcome::Ok),
            at(2300, 4, Outcome::Ok),
            at(9000, 4, Outcome::Ok),
        ];
        let figures = figures(&samples, marks);
        assert_eq!(figures.sent, 10);
        assert_eq!(figures.succeeded, 5);
        assert_eq!(figures.degraded, 1);
        assert_eq!(
            figures.failed,
            Failed {
                client_4xx: 1,
                server_5xx: 2,
                no_answer: 1,
                other: 0
            }
        );
        assert_eq!(figures.failed.total(), 4);
        assert_eq!(figures.failed_statuses.get(&503), Some(&2));
        assert_eq!(figures.time_to_recover_ms, Some(104));
        // Started from the fault until the recovery: 1100..=2104; not the baseline nor 9000.
        assert_eq!(figures.fault_requests, 6);
        assert_eq!(figures.fault_degraded, 1);
        assert_eq!(figures.fault_p99_ms, Some(800));

        // A target back in service only later keeps the window open until then.
        let later = Marks {
            back: Some(Duration::from_millis(9500)),
            ..marks
        };
        assert_eq!(super::figures(&samples, later).fault_requests, 9);
    }

    #[test]
    fn without_recovery_the_window_runs_to_the_end() {
        let marks = Marks {
            fault: Duration::from_millis(10),
            heal: Duration::from_millis(10),
            back: None,
        };
        let samples = [at(20, 1, Outcome::NoAnswer), at(5000, 1, Outcome::NoAnswer)];
        let figures = figures(&samples, marks);
        assert_eq!(figures.time_to_recover_ms, None);
        assert_eq!(figures.fault_requests, 2);
    }
}
