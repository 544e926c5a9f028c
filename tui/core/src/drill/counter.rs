//! Redis' durability under a kill, from the load itself: every `GET /` increments the visit
//! counter in Redis (INCR) and answers its new value, so each answer acknowledges one write.
//! After the kill, the first increments continue from what Redis recovered from its append-only
//! file. `appendfsync everysec` may lose the last second of writes (two, when a fsync is slow),
//! so the loss is held against the increments acknowledged in the two seconds before the kill.

use super::figures::Sample;
use serde::Serialize;
use std::time::Duration;

/// What `appendfsync everysec` may lose: the writes of the last second, or of two when the
/// previous fsync was still running (Redis' documentation of the policy).
pub const EVERYSEC_WINDOW: Duration = Duration::from_secs(2);

/// The counter before and after the kill.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CounterLoss {
    /// The highest value an answer acknowledged before the kill.
    pub acknowledged: u64,
    /// The value Redis came back with (the lowest value answered after the kill, less one).
    pub recovered: u64,
    /// Acknowledged increments Redis no longer had.
    pub lost: u64,
    /// Increments acknowledged in the [`EVERYSEC_WINDOW`] before the kill.
    pub acknowledged_in_window: u64,
    /// `CONFIG GET appendonly` / `appendfsync` of the running server, after the restart.
    pub appendonly: String,
    pub appendfsync: String,
}

/// The counter's loss across a kill at `kill` (an offset on the samples' time base); `None`
/// when no answer carried the counter before the kill or after it.
pub fn counter_loss(samples: &[Sample], kill: Duration) -> Option<CounterLoss> {
    let before = samples
        .iter()
        .filter(|s| s.started < kill)
        .filter_map(|s| s.visits);
    let acknowledged = before.max()?;
    let after = samples
        .iter()
        .filter(|s| s.started >= kill)
        .filter_map(|s| s.visits)
        .min()?;
    let recovered = after.saturating_sub(1);
    let window_start = kill.saturating_sub(EVERYSEC_WINDOW);
    let acknowledged_in_window = samples
        .iter()
        .filter(|s| s.visits.is_some() && s.finished() > window_start && s.finished() <= kill)
        .count() as u64;
    Some(CounterLoss {
        acknowledged,
        recovered,
        lost: acknowledged.saturating_sub(recovered),
        acknowledged_in_window,
        appendonly: String::new(),
        appendfsync: String::new(),
    })
}

/// Whether the loss is within what the append-only policy promises, and the words for it.
pub fn within_contract(loss: &CounterLoss) -> (bool, String) {
    let settings = format!(
        "appendonly {}, appendfsync {}",
        loss.appendonly, loss.appendfsync
    );
    let figures = format!(
        "{} lost of {} acknowledged ({} acknowledged in the {} s before the kill); {settings}",
        loss.lost,
        loss.acknowledged,
        loss.acknowledged_in_window,
        EVERYSEC_WINDOW.as_secs()
    );
    let promised = loss.appendonly == "yes" && loss.appendfsync == "everysec";
    (
        promised && loss.lost <= loss.acknowledged_in_window,
        figures,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::figures::Outcome;

    fn answer(started_ms: u64, visits: Option<u64>) -> Sample {
        Sample {
            started: Duration::from_millis(started_ms),
            latency: Duration::from_millis(5),
            outcome: Outcome::Ok,
            visits,
        }
    }

    #[test]
    fn the_loss_is_the_gap_between_the_last_acknowledged_and_the_first_after() {
        let kill = Duration::from_millis(10_000);
        let samples = vec![
            answer(7_900, Some(100)),
            answer(9_000, Some(110)),
            answer(9_900, Some(118)),
            answer(10_100, None),
            answer(11_000, Some(116)),
            answer(11_100, Some(117)),
        ];
        let loss = counter_loss(&samples, kill).expect("both sides answered");
        assert_eq!(loss.acknowledged, 118);
        assert_eq!(loss.recovered, 115);
        assert_eq!(loss.lost, 3);
        assert_eq!(loss.acknowledged_in_window, 2, "9 000 and 9 900 ms");
    }

    #[test]
    fn nothing_is_lost_when_redis_came_back_at_or_past_the_last_answer() {
        let kill = Duration::from_millis(5_000);
        let samples = vec![answer(4_000, Some(50)), answer(6_000, Some(52))];
        let loss = counter_loss(&samples, kill).expect("both sides");
        assert_eq!((loss.recovered, loss.lost), (51, 0));
        assert!(
            counter_loss(&samples[..1], kill).is_none(),
            "no answer after"
        );
    }

    #[test]
    fn the_contract_needs_everysec_and_a_loss_inside_the_window() {
        let mut loss = CounterLoss {
            acknowledged: 118,
            recovered: 115,
            lost: 3,
            acknowledged_in_window: 30,
            appendonly: "yes".into(),
            appendfsync: "everysec".into(),
        };
        assert!(within_contract(&loss).0);
        loss.lost = 31;
        assert!(!within_contract(&loss).0);
        loss.lost = 0;
        loss.appendonly = "no".into();
        let (kept, words) = within_contract(&loss);
        assert!(!kept);
        assert!(words.contains("appendonly no"), "{words}");
    }
}
