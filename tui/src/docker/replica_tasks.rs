//! Periodic work on each app replica the app names (readiness probes, metrics scrapes): at
//! most one task per replica at a time, each answer tagged with its replica. The tasks live in
//! the worker's session, so they stop with it (dashboard closed, daemon gone).

use std::collections::{HashMap, HashSet};
use std::future::Future;

use tokio::task::{Id, JoinSet};

pub(super) struct ReplicaTasks<T> {
    running: JoinSet<T>,
    /// The replica each running task is for.
    in_flight: HashMap<Id, String>,
}

impl<T> Default for ReplicaTasks<T> {
    fn default() -> Self {
        Self {
            running: JoinSet::new(),
            in_flight: HashMap::new(),
        }
    }
}

impl<T: Send + 'static> ReplicaTasks<T> {
    /// Starts `task(id, name)` for every wanted replica that has none running (`names` for
    /// messages).
    pub fn start_due<F>(
        &mut self,
        wanted: &HashSet<String>,
        names: &HashMap<String, String>,
        task: impl Fn(String, String) -> F,
    ) where
        F: Future<Output = T> + Send + 'static,
    {
        let busy: HashSet<&String> = self.in_flight.values().collect();
        let due: Vec<String> = wanted
            .iter()
            .filter(|id| !busy.contains(id))
            .cloned()
            .collect();
        for id in due {
            let name = names.get(&id).cloned().unwrap_or_else(|| id.clone());
            let handle = self.running.spawn(task(id.clone(), name));
            self.in_flight.insert(handle.id(), id);
        }
    }

    /// The next answer; pending forever while nothing runs (for `select!`).
    pub async fn next(&mut self) -> (String, T) {
        loop {
            match self.running.join_next_with_id().await {
                Some(Ok((task, answer))) => {
                    if let Some(id) = self.in_flight.remove(&task) {
                        return (id, answer);
                    }
                }
                // Only a bug panics a task: the next tick starts that replica's again.
                Some(Err(err)) => {
                    tracing::warn!(%err, "replica task failed");
                    self.in_flight.remove(&err.id());
                }
                None => std::future::pending::<()>().await,
            }
        }
    }
}
