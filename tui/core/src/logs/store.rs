//! A ring buffer of log lines with a count of what fell off the front.

use super::line::LogLine;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct LogStore {
    lines: VecDeque<LogLine>,
    capacity: usize,
    dropped: u64,
    /// Total lines ever pushed; lets views keep their place while old lines are dropped.
    pushed: u64,
}

impl LogStore {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            lines: VecDeque::with_capacity(capacity.min(4096)),
            capacity,
            dropped: 0,
            pushed: 0,
        }
    }

    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
        self.pushed += 1;
    }

    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>) {
        for line in lines {
            self.push(line);
        }
    }

    pub fn clear(&mut self) {
        self.dropped += self.lines.len() as u64;
        self.lines.clear();
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> {
        self.lines.iter()
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
}
