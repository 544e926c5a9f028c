//! Prometheus metrics, served as text on the admin listener only.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    kind: String,
    error: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

fn latency_histogram() -> Histogram {
    // 100 µs .. ~3.3 s in doublings.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.0001, 2.0, 16,
    ))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    live_instances: Gauge,
    outbound_calls: Family<KindLabels, Counter>,
    outbound_errors: Family<ErrorLabels, Counter>,
    reloads: Family<ResultLabels, Counter>,
    generation: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("edge_host");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let live_instances = Gauge::default();
        let outbound_calls = Family::<KindLabels, Counter>::default();
        let outbound_errors = Family::<ErrorLabels, Counter>::default();
        let reloads = Family::<ResultLabels, Counter>::default();
        let generation = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to response headers, by route",
            latency.clone(),
        );
        registry.register(
            "live_instances",
            "Component instances alive now",
            live_instances.clone(),
        );
        registry.register(
            "outbound_calls",
            "Outbound calls by kind (redis, postgres)",
            outbound_calls.clone(),
        );
        registry.register(
            "outbound_errors",
            "Outbound errors by kind and error",
            outbound_errors.clone(),
        );
        registry.register(
            "component_reloads",
            "Component reloads by result",
            reloads.clone(),
        );
        registry.register(
            "component_generation",
            "Generation of the component being served",
            generation.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            live_instances,
            outbound_calls,
            outbound_errors,
            reloads,
            generation,
        }
    }

    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        let route = route.to_string();
        self.requests
            .get_or_create(&RequestLabels {
                route: route.clone(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(seconds);
    }

    pub fn instance_started(&self) {
        self.live_instances.inc();
    }

    pub fn instance_ended(&self) {
        self.live_instances.dec();
    }

    pub fn outbound_call(&self, kind: &str) {
        self.outbound_calls
            .get_or_create(&KindLabels {
                kind: kind.to_string(),
            })
            .inc();
    }

    pub fn outbound_error(&self, kind: &str, error: &str) {
        self.outbound_errors
            .get_or_create(&ErrorLabels {
                kind: kind.to_string(),
                error: error.to_string(),
            })
            .inc();
    }

    pub fn reload(&self, ok: bool, generation: u64) {
        let result = if ok { "ok" } else { "failed" };
        self.reloads
            .get_or_create(&ResultLabels {
                result: result.to_string(),
            })
            .inc();
        if ok {
            self.generation
                .set(i64::try_from(generation).unwrap_or(i64::MAX));
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
