//! A bounded history of Docker events and the dashboard's own actions.

use super::state::State;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::time::Duration;

pub const ACTIVITY_CAPACITY: usize = 500;

/// What produced an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Docker,
    Action,
    /// A hot-reload trigger, step or result.
    Reload,
    /// An app replica ready again (turning not ready is an `Error`).
    Health,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    pub time: DateTime<Utc>,
    pub kind: ActivityKind,
    pub text: String,
    pub duration: Option<Duration>,
}

#[derive(Debug, Clone, Default)]
pub struct Activity {
    entries: VecDeque<ActivityEntry>,
    dropped: u64,
}

impl Activity {
    pub fn push(&mut self, entry: ActivityEntry) {
        if self.entries.len() == ACTIVITY_CAPACITY {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &ActivityEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Adds an entry to Activity at the state's current time.
pub(super) fn log(state: &mut State, kind: ActivityKind, text: String, duration: Option<Duration>) {
    let time = state.now;
    state.activity.push(ActivityEntry {
        time,
        kind,
        text,
        duration,
    });
}

/// A task or lifecycle action that failed: said in the footer and kept in Activity.
pub(super) fn failed(state: &mut State, label: &str, elapsed: Duration, error: &str) {
    let text = format!("{label} failed: {error}");
    state.message = Some(text.clone());
    log(state, ActivityKind::Error, text, Some(elapsed));
}
