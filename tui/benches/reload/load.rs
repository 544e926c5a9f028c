//! A steady HTTP load through nginx: paced GET requests from several threads, counting failures
//! and remembering when each marker (the app's `version`, nginx's `X-Bench` header) was first seen.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use test_support::http::Http;

const THREADS: u32 = 8;

#[derive(Default)]
struct Shared {
    sent: AtomicU64,
    failed: AtomicU64,
    /// Requests retried once because a kept-alive connection was closed under them.
    retried: AtomicU64,
    first_seen: Mutex<HashMap<String, Instant>>,
    failures: Mutex<Vec<String>>,
}

pub struct Load {
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    started: Instant,
}

/// Counters at one moment, to take differences per phase.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub sent: u64,
    pub failed: u64,
    pub retried: u64,
    pub at: Instant,
}

impl Load {
    /// Starts `rate` requests per second in total against `url`.
    pub fn start(url: String, rate: u32) -> Self {
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let interval = Duration::from_secs_f64(f64::from(THREADS) / f64::from(rate));
        let threads = (0..THREADS)
            .map(|_| {
                let (shared, stop, url) = (Arc::clone(&shared), Arc::clone(&stop), url.clone());
                std::thread::spawn(move || run(&url, interval, &shared, &stop))
            })
            .collect();
        Self {
            shared,
            stop,
            threads,
            started: Instant::now(),
        }
    }

    pub fn counts(&self) -> Counts {
        Counts {
            sent: self.shared.sent.load(Ordering::Relaxed),
            failed: self.shared.failed.load(Ordering::Relaxed),
            retried: self.shared.retried.load(Ordering::Relaxed),
            at: Instant::now(),
        }
    }

    /// When a response first carried `marker` (`v:<version>` or `h:<X-Bench value>`).
    pub fn first_seen(&self, marker: &str) -> Option<Instant> {
        let seen = self.shared.first_seen.lock().ok()?;
        seen.get(marker).copied()
    }

    /// Waits up to `within` for `marker` to be served.
    pub fn wait_seen(&self, marker: &str, within: Duration) -> Option<Instant> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(at) = self.first_seen(marker) {
                return Some(at);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    pub fn failure_samples(&self) -> Vec<String> {
        self.shared
            .failures
            .lock()
            .map(|f| f.clone())
            .unwrap_or_default()
    }

    /// Stops the load; returns requests per second achieved over its whole life.
    pub fn stop(self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            let _ = thread.join();
        }
        self.shared.sent.load(Ordering::Relaxed) as f64 / self.started.elapsed().as_secs_f64()
    }
}

fn run(url: &str, interval: Duration, shared: &Shared, stop: &AtomicBool) {
    let http = Http::plain(Duration::from_secs(5));
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let mut outcome = http.get(url);
        // A GET on a kept-alive connection that the server closed before answering (nginx's old
        // workers close idle connections on reload) is retried once, as HTTP clients do for
        // idempotent requests (RFC 9112 §9.3.1); such retries are counted, not hidden.
        if matches!(&outcome, Err(err) if err.contains("disconnected") || err.contains("reset")) {
            shared.retried.fetch_add(1, Ordering::Relaxed);
            outcome = http.get(url);
        }
        let at = Instant::now();
        shared.sent.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(reply) if reply.status == 200 => {
                let version = serde_json::from_slice::<serde_json::Value>(&reply.body)
                    .ok()
                    .and_then(|body| body["version"].as_str().map(str::to_owned));
                let mut markers = Vec::new();
                if let Some(version) = version {
                    markers.push(format!("v:{version}"));
                }
                if let Some(header) = reply.header("x-bench") {
                    markers.push(format!("h:{header}"));
                }
                if let Ok(mut seen) = shared.first_seen.lock() {
                    for marker in markers {
                        seen.entry(marker).or_insert(at);
                    }
                }
            }
            other => {
                shared.failed.fetch_add(1, Ordering::Relaxed);
                let what = match other {
                    Ok(reply) => format!("HTTP {}", reply.status),
                    Err(err) => err,
                };
                if let Ok(mut failures) = shared.failures.lock()
                    && failures.len() < 20
                {
                    failures.push(what);
                }
            }
        }
        next += interval;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
}
