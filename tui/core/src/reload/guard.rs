//! Stops reload loops: a path that triggers too many reloads within a window is paused, and the
//! pause says why. It is watched again once it has been quiet for a whole window: a real loop
//! (a tool rewriting a watched file) keeps it paused, a burst of human saves does not.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Whether a trigger may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Run,
    /// Every path of the trigger is paused; nothing runs.
    Paused {
        reason: String,
    },
}

#[derive(Debug)]
pub struct LoopGuard {
    max_reloads: usize,
    window: Duration,
    recent: BTreeMap<PathBuf, VecDeque<Instant>>,
    paused: BTreeMap<PathBuf, Pause>,
}

#[derive(Debug)]
struct Pause {
    reason: String,
    /// The latest trigger while paused; the pause ends a window after it.
    last_trigger: Instant,
}

impl Default for LoopGuard {
    /// Ten reloads of one path in a minute is more than a person saving files produces.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(60))
    }
}

impl LoopGuard {
    pub fn new(max_reloads: usize, window: Duration) -> Self {
        Self {
            max_reloads,
            window,
            recent: BTreeMap::new(),
            paused: BTreeMap::new(),
        }
    }

    /// Records a trigger for `paths` at `now`. Paused paths are dropped from it; a path that goes
    /// over the limit with this trigger is paused (and the trigger does not run for it).
    pub fn admit(&mut self, paths: &[PathBuf], now: Instant) -> (Vec<PathBuf>, Admission) {
        let mut admitted = Vec::new();
        let mut reasons = Vec::new();
        for path in paths {
            if let Some(pause) = self.paused.get_mut(path) {
                if now.duration_since(pause.last_trigger) <= self.window {
                    pause.last_trigger = now;
                    reasons.push(pause.reason.clone());
                    continue;
                }
                self.paused.remove(path);
            }
            let history = self.recent.entry(path.clone()).or_default();
            while history
                .front()
                .is_some_and(|at| now.duration_since(*at) > self.window)
            {
                history.pop_front();
            }
            if history.len() >= self.max_reloads {
                let reason = format!(
                    "{} triggered {} reloads within {} s — paused to stop a reload loop; it is \
                     watched again after {} s without changes",
                    path.display(),
                    history.len() + 1,
                    self.window.as_secs(),
                    self.window.as_secs()
                );
                self.paused.insert(
                    path.clone(),
                    Pause {
                        reason: reason.clone(),
                        last_trigger: now,
                    },
                );
                history.clear();
                reasons.push(reason);
                continue;
            }
            history.push_back(now);
            admitted.push(path.clone());
        }
        let admission = if admitted.is_empty() && !reasons.is_empty() {
            Admission::Paused {
                reason: reasons.join("; "),
            }
        } else {
            Admission::Run
        };
        (admitted, admission)
    }

    pub fn paused(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.paused
            .iter()
            .map(|(path, pause)| (path.as_path(), pause.reason.as_str()))
    }

    /// Watches every paused path again, with a clean history; returns the paths.
    pub fn resume_all(&mut self) -> Vec<PathBuf> {
        let paths: Vec<PathBuf> = std::mem::take(&mut self.paused).into_keys().collect();
        for path in &paths {
            self.recent.remove(path);
        }
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str) -> PathBuf {
        PathBuf::from(format!("/p/{name}"))
    }

    #[test]
    fn pauses_a_path_that_reloads_too_often_and_only_that_path() {
        let mut guard = LoopGuard::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..3 {
            let at = start + Duration::from_secs(i);
            let (admitted, admission) = guard.admit(&[path("a")], at);
            assert_eq!(
                (admitted.len(), &admission),
                (1, &Admission::Run),
                "reload {i}"
            );
        }
        let (admitted, admission) =
            guard.admit(&[path("a"), path("b")], start + Duration::from_secs(4));
        assert_eq!(admitted, vec![path("b")]);
        assert_eq!(admission, Admission::Run);
        let (admitted, admission) = guard.admit(&[path("a")], start + Duration::from_secs(5));
        assert!(admitted.is_empty());
        match admission {
            Admission::Paused { reason } => {
                assert!(reason.contains("/p/a") && reason.contains("reload loop"))
            }
            Admission::Run => panic!("a paused path must not run"),
        }
        assert_eq!(guard.paused().count(), 1);
        assert_eq!(guard.resume_all(), vec![path("a")]);
        assert!(guard.resume_all().is_empty(), "nothing left to resume");
        let (admitted, _) = guard.admit(&[path("a")], start + Duration::from_secs(6));
        assert_eq!(admitted, vec![path("a")]);
    }

    #[test]
    fn a_paused_path_is_watched_again_after_a_quiet_window_but_not_while_it_loops() {
        let mut guard = LoopGuard::new(2, Duration::from_secs(60));
        let start = Instant::now();
        let at = |seconds| start + Duration::from_secs(seconds);
        guard.admit(&[path("a")], at(0));
        guard.admit(&[path("a")], at(1));
        assert!(guard.admit(&[path("a")], at(2)).0.is_empty(), "paused");
        // Still looping: every trigger within the window extends the pause.
        assert!(guard.admit(&[path("a")], at(50)).0.is_empty());
        assert!(guard.admit(&[path("a")], at(100)).0.is_empty());
        // Quiet for more than a window: watched again.
        assert_eq!(guard.admit(&[path("a")], at(161)).0, vec![path("a")]);
        assert_eq!(guard.paused().count(), 0);
    }

    #[test]
    fn reloads_spread_over_more_than_the_window_are_fine() {
        let mut guard = LoopGuard::new(2, Duration::from_secs(60));
        let start = Instant::now();
        for minute in 0..10 {
            let (admitted, _) = guard.admit(&[path("a")], start + Duration::from_secs(minute * 45));
            assert_eq!(admitted.len(), 1, "reload at {} s", minute * 45);
        }
        assert_eq!(guard.paused().count(), 0);
    }
}
