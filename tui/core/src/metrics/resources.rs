//! CPU and memory of one container from the stats stream, per second for 15 minutes (the
//! stream sends about one sample a second, only while the container is on screen).

use super::ring::{Ring, column_spans};
use crate::model::container::StatsSample;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Second {
    cpu_percent: f32,
    memory_bytes: u64,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Resources {
    seconds: Ring<Second>,
    latest: Option<StatsSample>,
}

/// Resources of a service or container now and over a window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub cpu_percent: f64,
    pub memory_bytes: u64,
    /// 0 when the engine reports none.
    pub memory_limit: u64,
}

impl Usage {
    /// Memory against its limit, 0..=1 (`None` without a limit).
    pub fn memory_ratio(&self) -> Option<f64> {
        (self.memory_limit > 0).then(|| self.memory_bytes as f64 / self.memory_limit as f64)
    }
}

impl Resources {
    pub fn record(&mut self, second: i64, sample: &StatsSample) {
        self.latest = Some(*sample);
        if let Some(slot) = self.seconds.at(second) {
            *slot = Second {
                cpu_percent: sample.cpu_percent as f32,
                memory_bytes: sample.memory_bytes,
            };
        }
    }

    pub fn latest(&self) -> Option<Usage> {
        self.latest.map(|sample| Usage {
            cpu_percent: sample.cpu_percent,
            memory_bytes: sample.memory_bytes,
            memory_limit: sample.memory_limit,
        })
    }

    /// The CPU % of `columns` runs of seconds over the window (each run's mean, 0 where no
    /// sample came), oldest first.
    pub fn cpu_columns(&self, now: i64, seconds: usize, columns: usize) -> Vec<f64> {
        column_spans(now, seconds, columns)
            .map(|span| {
                let samples: Vec<f64> = span
                    .filter_map(|second| self.seconds.get(second))
                    .map(|slot| f64::from(slot.cpu_percent))
                    .collect();
                if samples.is_empty() {
                    0.0
                } else {
                    samples.iter().sum::<f64>() / samples.len() as f64
                }
            })
            .collect()
    }

    /// The highest memory seen in the window.
    pub fn peak_memory(&self, now: i64, seconds: usize) -> Option<u64> {
        self.seconds
            .window(now, seconds)
            .map(|s| s.memory_bytes)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_columns_average_their_seconds_and_memory_keeps_its_peak() {
        let mut resources = Resources::default();
        let sample = |cpu: f64, memory: u64| StatsSample {
            cpu_percent: cpu,
            memory_bytes: memory,
            memory_limit: 1000,
        };
        resources.record(100, &sample(10.0, 300));
        resources.record(101, &sample(30.0, 900));
        resources.record(159, &sample(50.0, 500));
        let columns = resources.cpu_columns(159, 60, 30);
        assert_eq!(
            columns[0], 20.0,
            "seconds 100 and 101 share the first column"
        );
        assert_eq!(columns[29], 50.0);
        assert_eq!(columns[10], 0.0);
        assert_eq!(resources.peak_memory(159, 60), Some(900));
        assert_eq!(resources.peak_memory(159, 10), Some(500));
        let latest = resources.latest().expect("a sample");
        assert_eq!(latest.memory_ratio(), Some(0.5));
        assert_eq!(Usage::default().memory_ratio(), None);
    }
}
