//! One JSON line per request on stdout, written by a dedicated thread so request tasks never
//! block on the terminal or pipe. The queue is bounded; lines that do not fit are counted and
//! the count is reported on the next line that does.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use serde::Serialize;

const QUEUE_LINES: usize = 8192;

/// Pause between batches. Under load this turns one wake-up and one write per request into one
/// per batch; a line reaches stdout at most this much later.
const BATCH_PAUSE: Duration = Duration::from_millis(20);

#[derive(Serialize)]
pub struct AccessEntry<'a> {
    pub ts: String,
    pub method: &'a str,
    pub path: &'a str,
    pub route: &'a str,
    pub component: &'a str,
    pub status: u16,
    pub duration_ms: f64,
    pub client: String,
    pub generation: u64,
    /// `X-Request-Id` as received (nginx's `$request_id`) or generated here.
    pub request_id: &'a str,
}

#[derive(Clone)]
pub struct AccessLog {
    tx: SyncSender<String>,
    dropped: Arc<AtomicU64>,
}

impl AccessLog {
    /// Starts the writer thread.
    pub fn start() -> AccessLog {
        let (tx, rx) = sync_channel::<String>(QUEUE_LINES);
        let spawned = std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_batches(&rx));
        if let Err(e) = spawned {
            tracing::error!("cannot start access-log writer: {e}");
        }
        AccessLog {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn log(&self, entry: &AccessEntry<'_>) {
        let Ok(mut value) = serde_json::to_value(entry) else {
            return;
        };
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            value["dropped_before"] = dropped.into();
        }
        match self.tx.try_send(value.to_string()) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(dropped + 1, Ordering::Relaxed);
            }
        }
    }
}

/// Writes whatever is queued as one batch (one write and flush), then pauses briefly, until every
/// sender is gone. If stdout is gone (closed pipe) it keeps draining so senders never block.
fn write_batches(rx: &Receiver<String>) {
    let mut batch = String::new();
    while let Ok(first) = rx.recv() {
        batch.clear();
        batch.push_str(&first);
        batch.push('\n');
        // At most one queue's worth per batch, so a steady stream cannot grow it without bound.
        for line in rx.try_iter().take(QUEUE_LINES) {
            batch.push_str(&line);
            batch.push('\n');
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(batch.as_bytes()).and_then(|()| out.flush());
        drop(out);
        std::thread::sleep(BATCH_PAUSE);
    }
}
