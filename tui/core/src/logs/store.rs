//! A ring buffer of log lines with a count of what fell off the front, fed in engine-timestamp
//! order through a small reorder window.

use super::line::LogLine;
use super::reorder::Reorder;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct LogStore {
    ring: Ring,
    /// Lines taken by `ingest` and not yet due.
    pending: Reorder,
}

/// The buffer itself, apart from the reorder window so that the window can push into it.
#[derive(Debug, Clone)]
struct Ring {
    lines: VecDeque<LogLine>,
    capacity: usize,
    dropped: u64,
    /// Total lines ever pushed; lets views keep their place while old lines are dropped.
    pushed: u64,
}

impl Ring {
    fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
        self.pushed += 1;
    }
}

impl LogStore {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            ring: Ring {
                lines: VecDeque::with_capacity(capacity.min(4096)),
                capacity,
                dropped: 0,
                pushed: 0,
            },
            pending: Reorder::default(),
        }
    }

    /// Appends a line as it is, bypassing the reorder window.
    pub fn push(&mut self, line: LogLine) {
        self.ring.push(line);
    }

    /// Takes arriving container output: lines go into the buffer in engine-timestamp order once
    /// due (see [`Reorder`]); `flush` must be called every `REORDER_TICK` while `held() > 0`.
    /// Returns how many lines entered the buffer.
    pub fn ingest(&mut self, lines: impl IntoIterator<Item = LogLine>) -> u64 {
        let before = self.ring.pushed;
        let ring = &mut self.ring;
        self.pending.push(lines, |line| ring.push(line));
        self.ring.pushed - before
    }

    /// Moves the lines that waited long enough into the buffer; returns how many.
    pub fn flush(&mut self) -> u64 {
        let before = self.ring.pushed;
        let ring = &mut self.ring;
        self.pending.tick(|line| ring.push(line));
        self.ring.pushed - before
    }

    /// Lines ingested and not yet in the buffer.
    pub fn held(&self) -> usize {
        self.pending.held()
    }

    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>) {
        for line in lines {
            self.push(line);
        }
    }

    pub fn clear(&mut self) {
        self.ring.dropped += self.ring.lines.len() as u64 + self.pending.clear() as u64;
        self.ring.lines.clear();
    }

    pub fn len(&self) -> usize {
        self.ring.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ring.lines.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.ring.capacity
    }

    pub fn dropped(&self) -> u64 {
        self.ring.dropped
    }

    pub fn pushed(&self) -> u64 {
        self.ring.pushed
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.ring.lines.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Stream;

    fn line(text: &str) -> LogLine {
        LogLine::from_engine("svc".into(), "svc-1".into(), text, Stream::Stdout)
    }

    #[test]
    fn drops_oldest_lines_and_counts_them() {
        let mut store = LogStore::new(3);
        store.extend(["a", "b", "c", "d", "e"].map(line));
        let texts: Vec<&str> = store.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["c", "d", "e"]);
        assert_eq!(store.dropped(), 2);
        assert_eq!(store.pushed(), 5);
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn zero_capacity_still_keeps_one_line() {
        let mut store = LogStore::new(0);
        store.extend(["a", "b"].map(line));
        assert_eq!(store.len(), 1);
        assert_eq!(store.capacity(), 1);
    }

    #[test]
    fn ingest_orders_containers_and_flush_releases_the_rest() {
        let stamped = |container: &str, millis: u32| {
            LogLine::from_engine(
                "svc".into(),
                container.into(),
                &format!("2024-05-01T10:20:30.{millis:03}000000Z {container}{millis}"),
                Stream::Stdout,
            )
        };
        let mut store = LogStore::new(2);
        assert_eq!(store.ingest([stamped("b", 200)]), 0);
        assert_eq!(store.flush(), 0, "the first flush marks what has arrived");
        assert_eq!(store.ingest([stamped("a", 100), stamped("a", 900)]), 2);
        let texts: Vec<&str> = store.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["a100", "b200"]);
        assert_eq!(store.held(), 1);
        assert_eq!(store.flush(), 0, "a900 has not waited a whole period");
        assert_eq!(store.flush(), 1);
        assert_eq!(store.dropped(), 1, "the ring keeps two lines");
        store.ingest([stamped("c", 950)]);
        store.clear();
        assert_eq!(store.held(), 0);
        assert_eq!(store.dropped(), 4);
    }
}
