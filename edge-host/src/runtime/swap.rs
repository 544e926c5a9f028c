//! Hot swap: the served application sits behind one atomically swappable pointer.
//!
//! A reload compiles and links on a blocking thread, then swaps the pointer. Requests hold an
//! `Arc` to the application they started with, so in-flight requests finish on the old one. A
//! reload that fails leaves the current application serving.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;

use super::loader::{LoadContext, LoadError, ServedApp, load_app};
use crate::metrics::Metrics;

/// What asked for a reload; its label is the `trigger` field of the reload's log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadTrigger {
    /// `POST /admin/reload` on the admin listener.
    Admin,
    /// A change to the manifest or a component file.
    FileWatch,
    /// SIGHUP sent to the process.
    Sighup,
}

impl ReloadTrigger {
    pub fn label(self) -> &'static str {
        match self {
            ReloadTrigger::Admin => "admin",
            ReloadTrigger::FileWatch => "file-watch",
            ReloadTrigger::Sighup => "sighup",
        }
    }
}

impl std::fmt::Display for ReloadTrigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

pub struct Served {
    current: ArcSwap<ServedApp>,
    ctx: Arc<LoadContext>,
    metrics: Arc<Metrics>,
    next_generation: AtomicU64,
    /// Serialises reloads so two triggers at once cannot swap in an older build last.
    reload_lock: tokio::sync::Mutex<()>,
    /// Why the latest reload was rejected; cleared by the next one that succeeds.
    last_error: std::sync::Mutex<Option<String>>,
}

impl Served {
    /// Loads generation 1; failure here stops startup.
    pub fn start(ctx: LoadContext, metrics: Arc<Metrics>) -> Result<Served, LoadError> {
        let app = load_app(&ctx, 1)?;
        metrics.reload(true, 1);
        Ok(Served {
            current: ArcSwap::from_pointee(app),
            ctx: Arc::new(ctx),
            metrics,
            next_generation: AtomicU64::new(2),
            reload_lock: tokio::sync::Mutex::new(()),
            last_error: std::sync::Mutex::new(None),
        })
    }

    /// The application new requests are served by.
    pub fn current(&self) -> Arc<ServedApp> {
        self.current.load_full()
    }

    /// Why the latest reload was rejected, while no later one has succeeded.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    fn remember(&self, error: Option<String>) {
        if let Ok(mut slot) = self.last_error.lock() {
            *slot = error;
        }
    }

    /// Re-reads the manifest, recompiles and swaps; on failure the old application keeps serving.
    pub async fn reload(&self, trigger: ReloadTrigger) -> Result<u64, String> {
        let trigger = trigger.label();
        let _guard = self.reload_lock.lock().await;
        let generation = self.next_generation.fetch_add(1, Ordering::Relaxed);
        let ctx = self.ctx.clone();
        let started = std::time::Instant::now();
        let loaded = tokio::task::spawn_blocking(move || load_app(&ctx, generation)).await;
        match loaded {
            Ok(Ok(app)) => {
                self.current.store(Arc::new(app));
                self.remember(None);
                self.metrics.reload(true, generation);
                tracing::info!(
                    trigger,
                    generation,
                    ms = started.elapsed().as_millis() as u64,
                    "component swapped in"
                );
                Ok(generation)
            }
            Ok(Err(e)) => {
                self.metrics.reload(false, generation);
                tracing::error!(
                    trigger,
                    "reload rejected, previous component keeps serving: {e}"
                );
                self.remember(Some(e.to_string()));
                Err(e.to_string())
            }
            Err(e) => {
                self.metrics.reload(false, generation);
                tracing::error!(trigger, "reload task failed: {e}");
                self.remember(Some(format!("reload task failed: {e}")));
                Err(format!("reload task failed: {e}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReloadTrigger;

    #[test]
    fn trigger_labels_are_the_logged_words() {
        let labels = [
            ReloadTrigger::Admin,
            ReloadTrigger::FileWatch,
            ReloadTrigger::Sighup,
        ]
        .map(|t| t.to_string());
        assert_eq!(labels, ["admin", "file-watch", "sighup"]);
    }
}
