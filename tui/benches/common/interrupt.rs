//! Ctrl-C or SIGTERM ends a bench without running its guards' drops, so what a guard removes is
//! also registered here: on a signal, a thread runs what is still registered, newest first, and
//! exits.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

type Job = Box<dyn Fn() + Send>;

static JOBS: Mutex<Vec<(u64, Job)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn jobs() -> std::sync::MutexGuard<'static, Vec<(u64, Job)>> {
    // A job list is still usable after a panic elsewhere.
    JOBS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A registered clean-up; dropping it unregisters it (its owner has cleaned up by then).
pub struct OnInterrupt(u64);

impl Drop for OnInterrupt {
    fn drop(&mut self) {
        jobs().retain(|(id, _)| *id != self.0);
    }
}

pub fn on_interrupt(job: impl Fn() + Send + 'static) -> OnInterrupt {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    jobs().push((id, Box::new(job)));
    OnInterrupt(id)
}

/// Starts the thread that waits for Ctrl-C or SIGTERM.
pub fn install(bench: &'static str) {
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let interrupted = runtime.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut terminate) = signal(SignalKind::terminate()) else {
                return false;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => true,
                _ = terminate.recv() => true,
            }
        });
        if !interrupted {
            return;
        }
        eprintln!("{bench}: interrupted, removing what it started");
        let pending = std::mem::take(&mut *jobs());
        for (_, job) in pending.into_iter().rev() {
            job();
        }
        std::process::exit(130);
    });
}
