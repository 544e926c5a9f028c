//! Live request and resource metrics per service and per app replica, for the Metrics panel
//! and the topology picture. Pure: the app feeds it log lines, scrapes and stats samples with
//! their times, and reads rates, percentiles and sparkline columns back.
//!
//! Sources:
//! - the entry service's (nginx's) JSON access lines, which the dashboard already follows:
//!   every request through the stack, and which app replica answered it (`upstream_addr`);
//! - each app replica's `/metrics` (edge-host's own view, scraped through the Engine API);
//! - the stats stream: CPU and memory against the limit.
//!
//! Memory is bounded: one slot per second for the last 15 minutes per series (`ring`), each
//! with a fixed-size latency histogram (`histogram`), whatever the request rate.

pub mod access;
pub mod flags;
mod histogram;
mod resources;
mod ring;
pub mod scrape;
mod traffic;

pub use flags::{FlagChange, FlagKind, Flags};
pub use histogram::Histogram;
pub use resources::Usage;
pub use traffic::{Column, Rates, TrafficSummary};

use crate::model::container::StatsSample;
use resources::Resources;
use std::collections::HashMap;
use traffic::Traffic;

/// The span of "current" rates ([`Metrics::rates`]): long enough to hold a few scrapes (every
/// 2 s) and to smooth single requests, short enough to follow a burst.
pub const CURRENT_SECONDS: usize = 10;

/// The Metrics panel's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Window {
    #[default]
    OneMinute,
    FiveMinutes,
    FifteenMinutes,
}

impl Window {
    pub fn seconds(self) -> usize {
        match self {
            Self::OneMinute => 60,
            Self::FiveMinutes => 300,
            Self::FifteenMinutes => 900,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OneMinute => "1m",
            Self::FiveMinutes => "5m",
            Self::FifteenMinutes => "15m",
        }
    }

    pub fn next(self) -> Self {
        match self {
            Self::OneMinute => Self::FiveMinutes,
            Self::FiveMinutes => Self::FifteenMinutes,
            Self::FifteenMinutes => Self::OneMinute,
        }
    }
}

/// An app replica: which service it belongs to and what nginx and edge-host said about it.
#[derive(Debug, Clone, Default)]
struct Replica {
    service: String,
    /// Requests nginx sent it (from the access lines' `upstream_addr`).
    upstream: Traffic,
    /// Requests its edge-host counted (from its `/metrics`).
    scraped: Traffic,
    /// The previous scrape and its second.
    last_scrape: Option<(i64, scrape::Scrape)>,
}

impl Replica {
    /// edge-host's own count when it has been scraped, else nginx's view of it.
    fn traffic(&self) -> &Traffic {
        if self.scraped.has_data() {
            &self.scraped
        } else {
            &self.upstream
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// Unix second of the state's clock: windows end here.
    now: i64,
    /// Entry services (nginx) by name, from their access lines.
    entries: HashMap<String, Traffic>,
    /// App replicas by container id.
    replicas: HashMap<String, Replica>,
    /// CPU and memory by container id.
    resources: HashMap<String, Resources>,
    pub flags: Flags,
}

impl Metrics {
    /// With these flag settings (the config file's `unhealthy_probes`).
    pub fn with_flags(self, flags: Flags) -> Self {
        Self { flags, ..self }
    }

    /// Moves the clock windows end at.
    pub fn advance(&mut self, now: i64) {
        self.now = now;
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    /// One access line of the entry service `service`, at `second`; `replica` is the app
    /// replica (container id, its service) that answered, when nginx names one we know.
    pub fn record_access(
        &mut self,
        service: &str,
        access: &access::Access,
        second: i64,
        replica: Option<(&str, &str)>,
    ) {
        self.entries.entry(service.to_string()).or_default().record(
            second,
            access.status,
            Some(access.seconds),
        );
        if let Some((id, replica_service)) = replica {
            let status = access.upstream_status.unwrap_or(access.status);
            let latency = access.upstream_seconds.or(Some(access.seconds));
            self.replica(id, replica_service)
                .upstream
                .record(second, status, latency);
        }
    }

    /// One scrape of the replica `id`'s `/metrics`, taken at `second`. The first one of a
    /// replica is the baseline: the requests counted are those since.
    pub fn record_scrape(
        &mut self,
        service: &str,
        id: &str,
        text: &str,
        second: i64,
    ) -> Result<(), String> {
        let current = scrape::parse(text)?;
        let replica = self.replica(id, service);
        if let Some((since, (totals, latency))) =
            replica.last_scrape.as_ref().and_then(|(since, before)| {
                scrape::increase(before, &current).map(|increase| (*since, increase))
            })
        {
            // Even an idle interval is recorded: the series then exists (rate 0).
            replica.scraped.add(since, second, totals, &latency);
        }
        replica.last_scrape = Some((second, current));
        Ok(())
    }

    pub fn record_stats(&mut self, id: &str, sample: &StatsSample, second: i64) {
        self.resources
            .entry(id.to_string())
            .or_default()
            .record(second, sample);
    }

    /// Keeps the series of these containers only (the others were removed).
    pub fn retain(&mut self, mut alive: impl FnMut(&str) -> bool) {
        self.replicas.retain(|id, _| alive(id));
        self.resources.retain(|id, _| alive(id));
    }

    fn replica(&mut self, id: &str, service: &str) -> &mut Replica {
        let replica = self.replicas.entry(id.to_string()).or_default();
        if replica.service != service {
            replica.service = service.to_string();
        }
        replica
    }

    /// The series that make up `service`: its own access lines, else its replicas'.
    fn service_series(&self, service: &str) -> Vec<&Traffic> {
        if let Some(entry) = self.entries.get(service) {
            return vec![entry];
        }
        self.replicas
            .values()
            .filter(|replica| replica.service == service)
            .map(Replica::traffic)
            .filter(|traffic| traffic.has_data())
            .collect()
    }

    /// Current request and error rates of `service` (the last [`CURRENT_SECONDS`]); `None`
    /// when nothing was ever counted for it. For the topology picture's edges.
    pub fn rates(&self, service: &str) -> Option<Rates> {
        self.service_traffic(service, CURRENT_SECONDS)
            .map(|summary| summary.rates)
    }

    /// Current rates of one app replica (container id).
    pub fn replica_rates(&self, id: &str) -> Option<Rates> {
        self.replica_traffic(id, CURRENT_SECONDS)
            .map(|summary| summary.rates)
    }

    /// Rates and latency percentiles of `service` over the last `seconds`.
    pub fn service_traffic(&self, service: &str, seconds: usize) -> Option<TrafficSummary> {
        let series = self.service_series(service);
        (!series.is_empty()).then(|| traffic::summarize(series.into_iter(), self.now, seconds))
    }

    pub fn replica_traffic(&self, id: &str, seconds: usize) -> Option<TrafficSummary> {
        let traffic = self.replicas.get(id)?.traffic();
        traffic
            .has_data()
            .then(|| traffic.summary(self.now, seconds))
    }

    /// Sparkline columns of `service` over the last `seconds`.
    pub fn service_columns(&self, service: &str, seconds: usize, columns: usize) -> Vec<Column> {
        traffic::columns_of(
            self.service_series(service).into_iter(),
            self.now,
            seconds,
            columns,
        )
    }

    pub fn replica_columns(&self, id: &str, seconds: usize, columns: usize) -> Vec<Column> {
        match self.replicas.get(id) {
            Some(replica) => replica.traffic().columns(self.now, seconds, columns),
            None => vec![Column::default(); columns.max(1)],
        }
    }

    /// CPU and memory of these containers together, from their latest samples.
    pub fn usage<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Option<Usage> {
        let mut total: Option<Usage> = None;
        for usage in ids
            .into_iter()
            .filter_map(|id| self.resources.get(id)?.latest())
        {
            let sum = total.get_or_insert_with(Usage::default);
            sum.cpu_percent += usage.cpu_percent;
            sum.memory_bytes += usage.memory_bytes;
            sum.memory_limit += usage.memory_limit;
        }
        total
    }

    /// Summed CPU % columns of these containers over the last `seconds`.
    pub fn cpu_columns<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
        seconds: usize,
        columns: usize,
    ) -> Vec<f64> {
        let mut sum = vec![0.0; columns.max(1)];
        for resources in ids.into_iter().filter_map(|id| self.resources.get(id)) {
            for (total, cpu) in sum
                .iter_mut()
                .zip(resources.cpu_columns(self.now, seconds, columns))
            {
                *total += cpu;
            }
        }
        sum
    }

    /// The highest memory these containers used together in the window (their peaks summed).
    pub fn peak_memory<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
        seconds: usize,
    ) -> Option<u64> {
        ids.into_iter()
            .filter_map(|id| self.resources.get(id)?.peak_memory(self.now, seconds))
            .reduce(|a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(status: u16, seconds: f64) -> access::Access {
        access::Access {
            status,
            seconds,
            upstream: None,
            upstream_status: None,
            upstream_seconds: None,
        }
    }

    #[test]
    fn nginx_lines_count_for_nginx_and_for_the_replica_that_answered() {
        let mut metrics = Metrics::default();
        metrics.advance(1000);
        for second in 991..=1000 {
            metrics.record_access("nginx", &access(200, 0.01), second, Some(("app1", "app")));
            metrics.record_access("nginx", &access(502, 0.02), second, Some(("app2", "app")));
            metrics.record_access("nginx", &access(404, 0.0), second, None);
        }
        let nginx = metrics.rates("nginx").expect("nginx has lines");
        assert!((nginx.requests - 3.0).abs() < 1e-9);
        assert!((nginx.server_errors - 1.0).abs() < 1e-9);
        assert!((nginx.client_errors - 1.0).abs() < 1e-9);
        let app = metrics.rates("app").expect("the app through its replicas");
        assert!((app.requests - 2.0).abs() < 1e-9);
        assert!((app.error_ratio() - 0.5).abs() < 1e-9);
        assert_eq!(
            metrics.replica_rates("app2").map(|r| r.server_errors),
            Some(1.0)
        );
        assert_eq!(metrics.rates("redis"), None, "never counted");
        // Out of the current span: rates fall to zero, the series stays.
        metrics.advance(1100);
        assert_eq!(metrics.rates("nginx").map(|r| r.requests), Some(0.0));
        let five = metrics.service_traffic("nginx", Window::FiveMinutes.seconds());
        assert_eq!(five.map(|s| s.requests), Some(30));
        metrics.retain(|id| id != "app2");
        assert_eq!(metrics.replica_rates("app2"), None);
    }

    #[test]
    fn a_replicas_scrapes_win_over_nginxs_view_of_it() {
        let mut metrics = Metrics::default();
        let scrape = |requests: u64, failed: u64| {
            format!(
                "# TYPE edge_host_http_requests counter\n\
                 edge_host_http_requests_total{{route=\"/\",status=\"200\"}} {requests}\n\
                 edge_host_http_requests_total{{route=\"/\",status=\"503\"}} {failed}\n# EOF\n"
            )
        };
        metrics.record_access("nginx", &access(200, 0.01), 1000, Some(("app1", "app")));
        metrics.advance(1004);
        metrics
            .record_scrape("app", "app1", &scrape(100, 0), 1002)
            .expect("a scrape");
        assert_eq!(
            metrics.replica_rates("app1").map(|r| r.requests),
            Some(0.1),
            "the first scrape is a baseline only: nginx's one request"
        );
        metrics
            .record_scrape("app", "app1", &scrape(120, 20), 1004)
            .expect("a scrape");
        let rates = metrics.replica_rates("app1").expect("scraped");
        assert!((rates.requests - 4.0).abs() < 1e-9, "{rates:?}");
        assert!((rates.server_errors - 2.0).abs() < 1e-9);
        assert!(metrics.record_scrape("app", "app1", "nope", 1006).is_err());
    }

    #[test]
    fn usage_sums_containers_and_windows_cycle() {
        let mut metrics = Metrics::default();
        metrics.advance(10);
        let sample = |cpu| StatsSample {
            cpu_percent: cpu,
            memory_bytes: 64 << 20,
            memory_limit: 128 << 20,
        };
        metrics.record_stats("a", &sample(10.0), 10);
        metrics.record_stats("b", &sample(5.0), 10);
        let usage = metrics.usage(["a", "b"]).expect("samples");
        assert_eq!(usage.cpu_percent, 15.0);
        assert_eq!(usage.memory_ratio(), Some(0.5));
        assert_eq!(metrics.usage(["c"]), None);
        assert_eq!(metrics.cpu_columns(["a", "b"], 60, 6)[5], 15.0);
        assert_eq!(metrics.peak_memory(["a", "b"], 60), Some(128 << 20));
        let mut window = Window::default();
        let labels: Vec<_> = (0..4)
            .map(|_| {
                let label = window.label();
                window = window.next();
                label
            })
            .collect();
        assert_eq!(labels, ["1m", "5m", "15m", "1m"]);
    }
}
