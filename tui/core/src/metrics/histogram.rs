//! Request latency as counts in fixed logarithmic buckets.
//!
//! Why fixed buckets and not HdrHistogram: the store keeps one histogram per second of the last
//! 15 minutes, and a window is the sum of its seconds, so the histogram has to be small, of one
//! fixed size and mergeable by adding counts. 52 buckets, each 25 % wider than the one before
//! (1 ms … 70 s), are 208 bytes; an HdrHistogram of the same range is kilobytes per second and
//! its precision would be spent on nginx's `request_time`, which has milliseconds only.
//! edge-host's own Prometheus histogram has fixed buckets too (doublings from 100 µs), which are
//! folded into these ones (`add_range`).

/// The first bucket holds everything up to this many seconds.
const FIRST_UPPER: f64 = 0.001;
/// Each bucket's upper bound is this factor above the previous one: a percentile is off by at
/// most this much (less after interpolation).
const RATIO: f64 = 1.25;
/// 50 growing buckets reach 1.25^50 ms ≈ 70 s; the last one takes anything longer.
pub const BUCKETS: usize = 52;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Histogram {
    counts: [u32; BUCKETS],
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: [0; BUCKETS],
        }
    }
}

/// The upper bound of bucket `index` in seconds (the last one is unbounded).
fn upper(index: usize) -> f64 {
    if index + 1 >= BUCKETS {
        f64::INFINITY
    } else {
        FIRST_UPPER * RATIO.powi(index as i32)
    }
}

fn lower(index: usize) -> f64 {
    if index == 0 { 0.0 } else { upper(index - 1) }
}

/// The bucket a duration of `seconds` falls into.
fn bucket(seconds: f64) -> usize {
    // NaN and anything up to the first bound.
    if seconds.is_nan() || seconds <= FIRST_UPPER {
        return 0;
    }
    let index = ((seconds / FIRST_UPPER).ln() / RATIO.ln()).ceil();
    // Guard the float edge: a value exactly on a bound belongs to the bucket below it.
    let index = (index as usize).min(BUCKETS - 1);
    if index > 0 && seconds <= upper(index - 1) {
        index - 1
    } else {
        index
    }
}

impl Histogram {
    pub fn record(&mut self, seconds: f64) {
        self.add(seconds, 1);
    }

    fn add(&mut self, seconds: f64, count: u32) {
        let slot = &mut self.counts[bucket(seconds)];
        *slot = slot.saturating_add(count);
    }

    /// `count` observations known only to lie in `(low, high]` (a Prometheus bucket): counted
    /// at the range's middle (past the last finite bound, at 1.5 times it).
    pub fn add_range(&mut self, low: f64, high: f64, count: u32) {
        let at = if high.is_finite() {
            (low + high) / 2.0
        } else {
            low * 1.5
        };
        self.add(at, count);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }

    /// The `quantile` (0..=1) in seconds, interpolated inside its bucket; `None` when empty.
    pub fn quantile(&self, quantile: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (index, &count) in self.counts.iter().enumerate() {
            let count = u64::from(count);
            if count == 0 {
                continue;
            }
            if seen + count >= rank {
                let (low, high) = (lower(index), upper(index));
                if !high.is_finite() {
                    return Some(low);
                }
                let within = (rank - seen) as f64 / count as f64;
                return Some(low + (high - low) * within);
            }
            seen += count;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_bucket_whose_bounds_hold_them() {
        for seconds in [0.0, 0.0005, 0.001, 0.0011, 0.004, 0.1, 1.0, 3.3, 60.0] {
            let index = bucket(seconds);
            assert!(
                lower(index) <= seconds && seconds <= upper(index),
                "{seconds} in {index}"
            );
            if seconds > 0.001 {
                assert!(
                    seconds > lower(index),
                    "{seconds} above bucket {index}'s lower bound"
                );
            }
        }
        assert_eq!(
            bucket(1e6),
            BUCKETS - 1,
            "anything longer goes to the last bucket"
        );
        assert_eq!(bucket(f64::NAN), 0);
    }

    #[test]
    fn percentiles_are_within_a_bucket_of_the_truth() {
        let mut histogram = Histogram::default();
        // 1..=1000 ms, one each: p50 = 500 ms, p95 = 950 ms, p99 = 990 ms.
        for ms in 1..=1000 {
            histogram.record(f64::from(ms) / 1000.0);
        }
        for (quantile, truth) in [(0.5, 0.5), (0.95, 0.95), (0.99, 0.99)] {
            let estimate = histogram.quantile(quantile).expect("not empty");
            assert!(
                (estimate - truth).abs() / truth < RATIO - 1.0,
                "p{} = {estimate}, truth {truth}",
                quantile * 100.0
            );
        }
        assert_eq!(histogram.count(), 1000);
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn merging_adds_counts_and_a_slow_tail_moves_p99_only() {
        let mut fast = Histogram::default();
        for _ in 0..98 {
            fast.record(0.004);
        }
        let mut slow = Histogram::default();
        slow.record(2.0);
        slow.record(2.0);
        fast.merge(&slow);
        assert_eq!(fast.count(), 100);
        let p50 = fast.quantile(0.5).expect("p50");
        let p99 = fast.quantile(0.99).expect("p99");
        assert!(p50 < 0.005, "p50 {p50}");
        assert!(p99 > 1.5, "p99 {p99}");
    }

    #[test]
    fn prometheus_buckets_are_counted_at_their_middle() {
        let mut histogram = Histogram::default();
        histogram.add_range(0.0512, 0.1024, 10);
        let p50 = histogram.quantile(0.5).expect("p50");
        assert!((0.06..0.1).contains(&p50), "p50 {p50}");
        let mut overflow = Histogram::default();
        overflow.add_range(3.2768, f64::INFINITY, 1);
        assert!(overflow.quantile(1.0).expect("p100") > 3.2768);
    }
}
