//! Stops reload loops: a path that triggers too many reloads within a window is paused until the user
//! resumes it, and the pause says why.

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
    paused: BTreeMap<PathBuf, String>,
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
            if let Some(reason) = self.paused.get(path) {
                reasons.push(reason.clone());
                continue;
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
                    "{} triggered {} reloads within {} s — paused to stop a reload loop (resume to watch it again)",
                    path.display(),
                    history.len() + 1,
                    self.window.as_secs()
                );
                self.paused.insert(path.clone(), reason.clone());
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
            .map(|(path, reason)| (path.as_path(), reason.as_str()))
    }

    /// Watches every paused path again.
    pub fn resume_all(&mut self) -> usize {
        let count = self.paused.len();
        self.paused.clear();
        count
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
        assert_eq!(guard.resume_all(), 1);
        let (admitted, _) = guard.admit(&[path("a")], start + Duration::from_secs(6));
        assert_eq!(admitted, vec![path("a")]);
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
