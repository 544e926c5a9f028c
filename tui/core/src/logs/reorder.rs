//! Lines of several containers merged in engine-timestamp order through a small window.
//!
//! Each container's stream comes in its own time order, but the streams interleave by arrival, so
//! a line can arrive after a newer line of another container. Lines are held in one run per
//! container and released oldest first (a k-way merge of the runs' fronts, no sorting) once they
//! have waited through a whole `tick` period and are `window` older than the newest line seen, or
//! after two periods when output stops, or when more than `cap` lines are held. Holding everything
//! until the first tick lets the tails of all containers, which arrive one container at a time at
//! start, merge. A line older than one already released goes out at once: late, never dropped.

use super::line::LogLine;
use chrono::DateTime;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// How long a line may wait for older lines of other containers, in engine time.
pub const REORDER_WINDOW: Duration = Duration::from_millis(250);
/// How often the owner calls [`Reorder::tick`]: a held line waits at most two periods when
/// output stops.
pub const REORDER_TICK: Duration = Duration::from_millis(125);
/// Lines held at most; beyond it the oldest go out at once (a flood shortens the window).
pub const REORDER_CAP: usize = 8192;

#[derive(Debug, Clone)]
pub struct Reorder {
    runs: Vec<Run>,
    window: i64,
    cap: usize,
    held: usize,
    /// Newest engine time seen (unix nanoseconds).
    newest: i64,
    /// Newest engine time released; older arrivals are late.
    released: i64,
    /// `newest` at the previous tick: whatever is not newer has waited a whole period.
    mark: i64,
}

/// One container's held lines with their engine time, oldest first.
#[derive(Debug, Clone)]
struct Run {
    container: Arc<str>,
    lines: VecDeque<(i64, LogLine)>,
}

impl Default for Reorder {
    fn default() -> Self {
        Self::new(REORDER_WINDOW, REORDER_CAP)
    }
}

impl Reorder {
    pub fn new(window: Duration, cap: usize) -> Self {
        Self {
            runs: Vec::new(),
            window: i64::try_from(window.as_nanos()).unwrap_or(i64::MAX),
            cap: cap.max(1),
            held: 0,
            newest: i64::MIN,
            released: i64::MIN,
            mark: i64::MIN,
        }
    }

    /// Lines waiting for their turn.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Takes arriving lines; `out` receives every line that is due, in order.
    pub fn push(&mut self, lines: impl IntoIterator<Item = LogLine>, mut out: impl FnMut(LogLine)) {
        let mut run = usize::MAX;
        for line in lines {
            // A line without a time (not from the engine) keeps its place among what arrived.
            let key = line
                .timestamp
                .as_deref()
                .and_then(engine_nanos)
                .unwrap_or(self.newest.max(self.released));
            if key < self.released {
                out(line);
                continue;
            }
            self.newest = self.newest.max(key);
            // Batches come from one container: look the run up only when the container changes.
            if self
                .runs
                .get(run)
                .is_none_or(|r| r.container != line.container)
            {
                run = self.run_of(&line.container);
            }
            self.runs[run].lines.push_back((key, line));
            self.held += 1;
        }
        let due = self.newest.saturating_sub(self.window).min(self.mark);
        self.release(due, &mut out);
    }

    /// Called every [`REORDER_TICK`] while lines are held, the first a whole period after the
    /// first line came: releases what has waited a whole period, so the last lines before a pause
    /// do not wait for more output.
    pub fn tick(&mut self, mut out: impl FnMut(LogLine)) {
        self.release(self.mark, &mut out);
        self.mark = self.newest;
        self.runs.retain(|run| !run.lines.is_empty());
    }

    /// Releases everything held (the end of the streams).
    pub fn drain(&mut self, mut out: impl FnMut(LogLine)) {
        self.release(i64::MAX, &mut out);
    }

    /// Forgets held lines; returns how many.
    pub fn clear(&mut self) -> usize {
        let held = self.held;
        self.runs.clear();
        self.held = 0;
        held
    }

    fn run_of(&mut self, container: &Arc<str>) -> usize {
        if let Some(index) = self.runs.iter().position(|r| &r.container == container) {
            return index;
        }
        self.runs.push(Run {
            container: container.clone(),
            lines: VecDeque::new(),
        });
        self.runs.len() - 1
    }

    /// Releases, oldest first, the lines not newer than `limit`, and the oldest beyond `cap`.
    fn release(&mut self, limit: i64, out: &mut impl FnMut(LogLine)) {
        while self.held > 0 {
            let Some((index, key)) = self.oldest_front() else {
                break;
            };
            if key > limit && self.held <= self.cap {
                break;
            }
            if let Some((key, line)) = self.runs[index].lines.pop_front() {
                self.held -= 1;
                self.released = self.released.max(key);
                out(line);
            }
        }
    }

    fn oldest_front(&self) -> Option<(usize, i64)> {
        self.runs
            .iter()
            .enumerate()
            .filter_map(|(index, run)| run.lines.front().map(|(key, _)| (index, *key)))
            .min_by_key(|(_, key)| *key)
    }
}

/// An engine timestamp (RFC 3339) as unix nanoseconds.
fn engine_nanos(stamp: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(stamp)
        .ok()?
        .timestamp_nanos_opt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Stream;

    fn line(container: &str, millis: u32, text: &str) -> LogLine {
        LogLine::from_engine(
            container.into(),
            container.into(),
            &format!("2024-05-01T10:20:30.{millis:03}000000Z {text}"),
            Stream::Stdout,
        )
    }

    fn texts(lines: &[LogLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    fn window_of(millis: u64) -> Reorder {
        Reorder::new(Duration::from_millis(millis), 100)
    }

    #[test]
    fn interleaved_containers_come_out_in_time_order() {
        let mut reorder = window_of(250);
        let mut out = Vec::new();
        reorder.push(
            [line("nginx", 120, "n120"), line("nginx", 300, "n300")],
            |l| out.push(l),
        );
        // The app's older lines arrive after nginx's newer ones.
        reorder.push([line("app", 100, "a100"), line("app", 200, "a200")], |l| {
            out.push(l)
        });
        assert!(out.is_empty(), "nothing is 250 ms older than the newest");
        reorder.tick(|l| out.push(l));
        assert!(out.is_empty(), "the first tick only marks what has arrived");
        reorder.push([line("app", 600, "a600")], |l| out.push(l));
        assert_eq!(texts(&out), ["a100", "n120", "a200", "n300"]);
        assert_eq!(reorder.held(), 1);
        reorder.drain(|l| out.push(l));
        assert_eq!(texts(&out), ["a100", "n120", "a200", "n300", "a600"]);
    }

    #[test]
    fn late_lines_go_out_at_once() {
        let mut reorder = window_of(50);
        let mut out = Vec::new();
        reorder.push([line("nginx", 100, "n100")], |l| out.push(l));
        reorder.tick(|l| out.push(l));
        reorder.push([line("nginx", 400, "n400")], |l| out.push(l));
        assert_eq!(texts(&out), ["n100"]);
        reorder.push([line("app", 50, "late")], |l| out.push(l));
        assert_eq!(texts(&out), ["n100", "late"], "late, not dropped");
        assert_eq!(reorder.held(), 1);
    }

    #[test]
    fn ticks_release_what_waited_a_whole_period() {
        let mut reorder = window_of(250);
        let mut out = Vec::new();
        reorder.push([line("app", 100, "a100")], |l| out.push(l));
        reorder.tick(|l| out.push(l));
        assert!(out.is_empty(), "held through part of a period");
        reorder.push([line("nginx", 90, "n90")], |l| out.push(l));
        reorder.push([line("nginx", 150, "n150")], |l| out.push(l));
        reorder.tick(|l| out.push(l));
        assert_eq!(texts(&out), ["n90", "a100"], "n150 came after the mark");
        reorder.tick(|l| out.push(l));
        assert_eq!(texts(&out), ["n90", "a100", "n150"]);
        assert_eq!(reorder.held(), 0);
    }

    #[test]
    fn the_cap_bounds_what_is_held() {
        let mut reorder = Reorder::new(Duration::from_secs(60), 3);
        let mut out = Vec::new();
        reorder.push((0..10).map(|i| line("app", i, &i.to_string())), |l| {
            out.push(l)
        });
        assert_eq!(reorder.held(), 3);
        assert_eq!(texts(&out), ["0", "1", "2", "3", "4", "5", "6"]);
    }

    #[test]
    fn lines_without_a_time_keep_their_place() {
        let mut reorder = window_of(0);
        let mut out = Vec::new();
        let plain = LogLine::from_engine("x".into(), "x".into(), "no time", Stream::Stdout);
        reorder.push([line("app", 100, "a100")], |l| out.push(l));
        reorder.tick(|l| out.push(l));
        reorder.push([plain], |l| out.push(l));
        assert_eq!(texts(&out), ["a100", "no time"]);
        assert_eq!(engine_nanos("not a time"), None);
    }

    #[test]
    fn tails_arriving_one_container_at_a_time_merge_before_the_first_tick() {
        let mut reorder = window_of(250);
        let mut out = Vec::new();
        // Hours of history each, as the tails come in at start.
        reorder.push((0..5).map(|i| line("nginx", i * 200, "n")), |l| out.push(l));
        reorder.push((0..5).map(|i| line("app", i * 200 + 100, "a")), |l| {
            out.push(l)
        });
        assert!(out.is_empty());
        reorder.tick(|l| out.push(l));
        reorder.tick(|l| out.push(l));
        assert_eq!(
            texts(&out),
            ["n", "a", "n", "a", "n", "a", "n", "a", "n", "a"]
        );
    }
}
