//! The drill's own client load: paced requests through nginx from a few threads (blocking
//! ureq), each one recorded with its start, latency and outcome. Bounded by a request count and
//! a duration; it stops by itself when either is reached.

use super::target::Site;
use stack_core::drill::{Outcome, Sample, Workload};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// Concurrent clients: enough that requests held for a second by a frozen dependency do not
/// stall the load.
const THREADS: u32 = 8;
/// No request waits longer (nginx's own timeouts are longer: a hang shows as no answer).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Bodies larger than this are not read (the stack's answers are a few hundred bytes).
const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// What the load does and its bounds.
pub struct LoadPlan {
    pub workload: Workload,
    /// Requests per second over all threads.
    pub rate: u32,
    /// Hard caps: the load stops at whichever comes first.
    pub max_requests: u64,
    pub max_duration: Duration,
    /// Item names of a write workload start with this (`<tag>-<n>`).
    pub tag: String,
}

/// One write of the write workload.
#[derive(Debug, Clone)]
pub struct WriteAttempt {
    pub name: String,
    pub acknowledged: bool,
}

#[derive(Default)]
struct Shared {
    attempted: AtomicU64,
    acknowledged: AtomicU64,
    samples: Mutex<Vec<Sample>>,
    writes: Mutex<Vec<WriteAttempt>>,
}

/// A running load; `finish` stops it and hands back what it recorded.
pub struct Load {
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    started: Instant,
}

/// Everything a load recorded.
pub struct Recorded {
    pub samples: Vec<Sample>,
    pub writes: Vec<WriteAttempt>,
}

impl Load {
    pub fn start(site: &Site, plan: LoadPlan) -> anyhow::Result<Self> {
        let agent = agent(site.certificate.as_deref(), REQUEST_TIMEOUT)?;
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let plan = Arc::new(plan);
        let interval = Duration::from_secs_f64(f64::from(THREADS) / f64::from(plan.rate.max(1)));
        let threads = (0..THREADS)
            .map(|index| {
                let worker = Worker {
                    agent: agent.clone(),
                    origin: site.origin.clone(),
                    plan: Arc::clone(&plan),
                    shared: Arc::clone(&shared),
                    stop: Arc::clone(&stop),
                    started,
                };
                // Spread the threads over one interval instead of firing together.
                let offset = interval.mul_f64(f64::from(index) / f64::from(THREADS));
                std::thread::spawn(move || worker.run(interval, offset))
            })
            .collect();
        Ok(Self {
            shared,
            stop,
            threads,
            started,
        })
    }

    /// Now, as an offset from the load's start (the time base of the samples).
    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn attempted(&self) -> u64 {
        self.shared.attempted.load(Ordering::Relaxed)
    }

    /// Writes answered 201 so far.
    pub fn acknowledged(&self) -> u64 {
        self.shared.acknowledged.load(Ordering::Relaxed)
    }

    /// The load reached one of its caps (or was stopped).
    pub fn is_done(&self) -> bool {
        self.threads.iter().all(JoinHandle::is_finished)
    }

    /// A copy of the samples so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.shared
            .samples
            .lock()
            .map(|samples| samples.clone())
            .unwrap_or_default()
    }

    /// Stops the threads (each finishes the request it is on) and returns the record.
    pub fn finish(self) -> Recorded {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            let _ = thread.join();
        }
        let mut samples = take(&self.shared.samples);
        samples.sort_by_key(|s| s.started);
        Recorded {
            samples,
            writes: take(&self.shared.writes),
        }
    }
}

/// The contents of a record, left empty (a poisoned lock gives nothing: a thread panicked).
fn take<T>(record: &Mutex<Vec<T>>) -> Vec<T> {
    record
        .lock()
        .map(|mut items| std::mem::take(&mut *items))
        .unwrap_or_default()
}

/// A client for the stack's site: redirects off, statuses returned as values, every request
/// bounded by `timeout`, the stack's own certificate trusted for HTTPS.
pub fn agent(certificate: Option<&[u8]>, timeout: Duration) -> anyhow::Result<ureq::Agent> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout));
    if let Some(pem) = certificate {
        let cert = Certificate::from_pem(pem)
            .map_err(|err| anyhow::anyhow!("the stack's certificate is not PEM: {err}"))?;
        config = config.tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::Specific(Arc::new(vec![cert.to_owned()])))
                .build(),
        );
    }
    Ok(config.build().into())
}

struct Worker {
    agent: ureq::Agent,
    origin: String,
    plan: Arc<LoadPlan>,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    started: Instant,
}

impl Worker {
    fn run(self, interval: Duration, offset: Duration) {
        std::thread::sleep(offset);
        let mut next = Instant::now();
        loop {
            if self.stop.load(Ordering::Relaxed) || self.started.elapsed() >= self.plan.max_duration
            {
                return;
            }
            let number = self.shared.attempted.fetch_add(1, Ordering::Relaxed);
            if number >= self.plan.max_requests {
                return;
            }
            self.one(number);
            // Paced per thread; a thread held up by a slow answer does not catch up in a burst
            // (nginx would answer a burst with 429).
            next += interval;
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            } else {
                next = now;
            }
        }
    }

    fn one(&self, number: u64) {
        let begun = Instant::now();
        let started = begun.duration_since(self.started);
        let (outcome, visits) = match self.plan.workload {
            Workload::Home => self.read("/", true),
            Workload::ItemList => self.read("/api/items?per_page=5", false),
            Workload::WriteItems => (self.write(number), None),
        };
        let sample = Sample {
            started,
            latency: begun.elapsed(),
            outcome,
            visits,
        };
        if let Ok(mut samples) = self.shared.samples.lock() {
            samples.push(sample);
        }
    }

    /// A GET of `path`; for `GET /` (`home`) also the visit counter its answer carried.
    fn read(&self, path: &str, home: bool) -> (Outcome, Option<u64>) {
        let url = format!("{}{path}", self.origin);
        let Ok(mut response) = self.agent.get(&url).call() else {
            return (Outcome::NoAnswer, None);
        };
        let status = response.status().as_u16();
        let Ok(body) = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
        else {
            return (Outcome::NoAnswer, None);
        };
        match status {
            200 if home && cache_unavailable(&body) => (Outcome::Degraded, None),
            200 if home => (Outcome::Ok, visits(&body)),
            200 => (Outcome::Ok, None),
            other => (Outcome::Status(other), None),
        }
    }

    fn write(&self, number: u64) -> Outcome {
        let name = format!("{}-{number}", self.plan.tag);
        let url = format!("{}/api/items", self.origin);
        let body = serde_json::json!({ "name": name }).to_string();
        let outcome = match self
            .agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body.as_bytes())
        {
            // The body is read so the connection can be kept; a 201 without it still committed.
            Ok(mut response) => {
                let _ = response
                    .body_mut()
                    .with_config()
                    .limit(MAX_BODY_BYTES)
                    .read_to_vec();
                match response.status().as_u16() {
                    201 => Outcome::Ok,
                    other => Outcome::Status(other),
                }
            }
            Err(_) => Outcome::NoAnswer,
        };
        let acknowledged = outcome == Outcome::Ok;
        if acknowledged {
            self.shared.acknowledged.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut writes) = self.shared.writes.lock() {
            writes.push(WriteAttempt { name, acknowledged });
        }
        outcome
    }
}

/// The visit counter in a GET / answer (`"visits": 42`).
fn visits(body: &[u8]) -> Option<u64> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("visits")?
        .as_u64()
}

/// GET / says `"cache":"unavailable"` when Redis did not answer.
fn cache_unavailable(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|json| json["cache"].as_str() == Some("unavailable"))
}

#[cfg(test)]
mod tests {
    use super::{cache_unavailable, visits};

    #[test]
    fn degraded_home_is_told_by_the_cache_field() {
        assert!(cache_unavailable(
            br#"{"visits":null,"cache":"unavailable","database":"ok"}"#
        ));
        assert!(!cache_unavailable(br#"{"visits":3,"cache":"ok"}"#));
        assert!(!cache_unavailable(b"not json"));
    }

    #[test]
    fn the_visit_counter_is_read_from_home() {
        assert_eq!(visits(br#"{"visits":3,"cache":"ok"}"#), Some(3));
        assert_eq!(visits(br#"{"visits":null,"cache":"unavailable"}"#), None);
        assert_eq!(visits(b"not json"), None);
    }
}
