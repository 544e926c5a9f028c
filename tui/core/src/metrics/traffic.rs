//! Requests per second of one series (a service seen by nginx, an app replica): counts, client
//! and server errors, and latency, kept per second for 15 minutes and read over a window.

use super::histogram::Histogram;
use super::ring::{Ring, column_spans};

#[derive(Debug, Clone, Default)]
pub(super) struct Second {
    requests: u32,
    client_errors: u32,
    server_errors: u32,
    latency: Histogram,
}

/// Rates over a window, per second.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    pub requests: f64,
    /// 4xx answers.
    pub client_errors: f64,
    /// 5xx answers.
    pub server_errors: f64,
}

impl Rates {
    /// Share of the requests answered 5xx (0 without requests).
    pub fn error_ratio(&self) -> f64 {
        if self.requests > 0.0 {
            self.server_errors / self.requests
        } else {
            0.0
        }
    }
}

/// What the panel shows for a series over a window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrafficSummary {
    pub rates: Rates,
    pub requests: u64,
    /// Latency percentiles in seconds; `None` without requests.
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

/// One sparkline column: the requests and errors of a run of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Column {
    pub requests: u64,
    pub client_errors: u64,
    pub server_errors: u64,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Traffic {
    seconds: Ring<Second>,
}

impl Traffic {
    /// One request answered `status` after `latency` seconds (when known).
    pub fn record(&mut self, second: i64, status: u16, latency: Option<f64>) {
        if let Some(slot) = self.seconds.at(second) {
            slot.requests = slot.requests.saturating_add(1);
            match status {
                400..=499 => slot.client_errors = slot.client_errors.saturating_add(1),
                500..=599 => slot.server_errors = slot.server_errors.saturating_add(1),
                _ => {}
            }
            if let Some(latency) = latency {
                slot.latency.record(latency);
            }
        }
    }

    /// Counts known only for the seconds after `since` up to `second` (a scrape's increase
    /// since the previous scrape): spread evenly over them, so that scrapes every 2 s draw a
    /// steady rate rather than a spike and a gap. The latencies go to the last second.
    pub fn add(&mut self, since: i64, second: i64, column: Column, latency: &Histogram) {
        let seconds = (second - since).clamp(1, super::ring::RING_SECONDS as i64) as u64;
        // The share of `total` that falls on the `index`th of the seconds (they sum to `total`).
        let share = |total: u64, index: u64| {
            let part = total * (index + 1) / seconds - total * index / seconds;
            part.min(u64::from(u32::MAX)) as u32
        };
        for index in 0..seconds {
            let at = second - (seconds - 1 - index) as i64;
            if let Some(slot) = self.seconds.at(at) {
                slot.requests = slot.requests.saturating_add(share(column.requests, index));
                slot.client_errors = slot
                    .client_errors
                    .saturating_add(share(column.client_errors, index));
                slot.server_errors = slot
                    .server_errors
                    .saturating_add(share(column.server_errors, index));
                if index + 1 == seconds {
                    slot.latency.merge(latency);
                }
            }
        }
    }

    pub fn summary(&self, now: i64, seconds: usize) -> TrafficSummary {
        summarize(std::iter::once(self), now, seconds)
    }

    /// `columns` runs of seconds covering the window ending at `now`, oldest first.
    pub fn columns(&self, now: i64, seconds: usize, columns: usize) -> Vec<Column> {
        columns_of(std::iter::once(self), now, seconds, columns)
    }

    pub fn has_data(&self) -> bool {
        !self.seconds.is_empty()
    }
}

/// Several series as one (an app's replicas): summed.
pub(super) fn summarize<'a>(
    series: impl Iterator<Item = &'a Traffic>,
    now: i64,
    seconds: usize,
) -> TrafficSummary {
    let mut total = Column::default();
    let mut latency = Histogram::default();
    for traffic in series {
        for slot in traffic.seconds.window(now, seconds) {
            total.requests += u64::from(slot.requests);
            total.client_errors += u64::from(slot.client_errors);
            total.server_errors += u64::from(slot.server_errors);
            latency.merge(&slot.latency);
        }
    }
    let per_second = |count: u64| count as f64 / seconds.max(1) as f64;
    TrafficSummary {
        rates: Rates {
            requests: per_second(total.requests),
            client_errors: per_second(total.client_errors),
            server_errors: per_second(total.server_errors),
        },
        requests: total.requests,
        p50: latency.quantile(0.50),
        p95: latency.quantile(0.95),
        p99: latency.quantile(0.99),
    }
}

pub(super) fn columns_of<'a>(
    series: impl Iterator<Item = &'a Traffic> + Clone,
    now: i64,
    seconds: usize,
    columns: usize,
) -> Vec<Column> {
    column_spans(now, seconds, columns)
        .map(|span| {
            let mut column = Column::default();
            for traffic in series.clone() {
                for slot in span
                    .clone()
                    .filter_map(|second| traffic.seconds.get(second))
                {
                    column.requests += u64::from(slot.requests);
                    column.client_errors += u64::from(slot.client_errors);
                    column.server_errors += u64::from(slot.server_errors);
                }
            }
            column
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_only_its_seconds() {
        let mut traffic = Traffic::default();
        // 10 minutes ago: 600 requests, all 500s; the last minute: 60 requests, 6 of them 404.
        for second in 0..60 {
            for _ in 0..10 {
                traffic.record(1000 + second, 500, Some(2.0));
            }
        }
        let now = 1000 + 600 + 59;
        for second in 0..60 {
            let status = if second % 10 == 0 { 404 } else { 200 };
            traffic.record(now - 59 + second, status, Some(0.010));
        }
        let minute = traffic.summary(now, 60);
        assert_eq!(minute.requests, 60);
        assert!((minute.rates.requests - 1.0).abs() < 1e-9);
        assert!((minute.rates.client_errors - 0.1).abs() < 1e-9);
        assert_eq!(minute.rates.server_errors, 0.0);
        assert!(minute.p99.expect("p99") < 0.02);

        let quarter = traffic.summary(now, 900);
        assert_eq!(quarter.requests, 660);
        assert!((quarter.rates.server_errors - 600.0 / 900.0).abs() < 1e-9);
        assert!(
            quarter.p50.expect("p50") > 1.0,
            "most requests were the slow 500s"
        );
        assert!((quarter.rates.error_ratio() - 600.0 / 660.0).abs() < 1e-9);
    }

    #[test]
    fn a_scrapes_increase_is_spread_over_the_seconds_since_the_previous_one() {
        let mut traffic = Traffic::default();
        let mut latency = Histogram::default();
        latency.record(0.01);
        let increase = Column {
            requests: 5,
            client_errors: 0,
            server_errors: 1,
        };
        traffic.add(100, 102, increase, &latency);
        let columns = traffic.columns(102, 3, 3);
        let requests: Vec<u64> = columns.iter().map(|c| c.requests).collect();
        assert_eq!(requests, [0, 2, 3], "second 100 was the previous scrape's");
        assert_eq!(columns.iter().map(|c| c.server_errors).sum::<u64>(), 1);
        assert_eq!(traffic.summary(102, 2).requests, 5);
        assert!(
            traffic.summary(102, 1).p50.is_some(),
            "latencies at the scrape"
        );
    }

    #[test]
    fn columns_cover_the_window_with_the_newest_last() {
        let mut traffic = Traffic::default();
        traffic.record(100, 200, None);
        traffic.record(159, 502, None);
        let columns = traffic.columns(159, 60, 20);
        assert_eq!(columns.len(), 20);
        assert_eq!(columns[0].requests, 1);
        assert_eq!(columns[19].server_errors, 1);
        assert_eq!(columns.iter().map(|c| c.requests).sum::<u64>(), 2);
        // More columns than seconds: each second twice, no empty columns between them.
        let wide = traffic.columns(159, 60, 120);
        assert_eq!(wide.iter().map(|c| c.requests).sum::<u64>(), 4);
        assert_eq!(
            (wide[0].requests, wide[1].requests, wide[2].requests),
            (1, 1, 0)
        );
        assert_eq!(
            Traffic::default().summary(159, 60),
            TrafficSummary::default()
        );
    }
}
