//! edge-host's `/metrics` (OpenMetrics text, see edge-host/README.md): the request counter by
//! status and the latency histogram, summed over routes. Counters only grow, so what happened
//! between two scrapes is their difference ([`increase`]).
//!
//! Parsed with prometheus-parse: it reads the text format's samples and groups a histogram's
//! `_bucket` lines by `le`, which is all this needs. (Its label reading is simple: a label value
//! holding `,` or `=` loses that label, which can only be a route here, never `status` or `le`.)

use super::histogram::Histogram;
use super::traffic::Column;
use prometheus_parse::Value;

const REQUESTS: &str = "edge_host_http_requests_total";
const LATENCY: &str = "edge_host_http_request_duration_seconds";

/// One scrape, summed over routes: cumulative counts since edge-host started.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scrape {
    pub totals: Column,
    /// `(le, cumulative count)`, by growing `le` (the last is `+Inf`).
    pub buckets: Vec<(f64, f64)>,
}

/// Reads a scrape; an answer without edge-host's request counter is not edge-host's `/metrics`.
pub fn parse(text: &str) -> Result<Scrape, String> {
    let lines = text.lines().map(|line| Ok(line.to_string()));
    let parsed = prometheus_parse::Scrape::parse(lines).map_err(|err| err.to_string())?;
    let mut scrape = Scrape::default();
    let mut saw_requests = false;
    for sample in &parsed.samples {
        match (sample.metric.as_str(), &sample.value) {
            (REQUESTS, Value::Counter(count) | Value::Untyped(count)) => {
                saw_requests = true;
                let count = count.max(0.0) as u64;
                scrape.totals.requests += count;
                match sample
                    .labels
                    .get("status")
                    .and_then(|s| s.parse::<u16>().ok())
                {
                    Some(400..=499) => scrape.totals.client_errors += count,
                    Some(500..=599) => scrape.totals.server_errors += count,
                    _ => {}
                }
            }
            (LATENCY, Value::Histogram(buckets)) => {
                for bucket in buckets {
                    match scrape
                        .buckets
                        .iter_mut()
                        .find(|(le, _)| *le == bucket.less_than)
                    {
                        Some((_, count)) => *count += bucket.count,
                        None => scrape.buckets.push((bucket.less_than, bucket.count)),
                    }
                }
            }
            _ => {}
        }
    }
    if !saw_requests && !text.contains("edge_host_") {
        return Err("no edge_host metrics in the answer".into());
    }
    scrape.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(scrape)
}

/// What happened between two scrapes of one edge-host: requests by class and their latencies.
/// `None` when a counter went down (edge-host restarted): the next pair of scrapes counts again.
pub fn increase(before: &Scrape, after: &Scrape) -> Option<(Column, Histogram)> {
    let totals = Column {
        requests: after.totals.requests.checked_sub(before.totals.requests)?,
        client_errors: after
            .totals
            .client_errors
            .checked_sub(before.totals.client_errors)?,
        server_errors: after
            .totals
            .server_errors
            .checked_sub(before.totals.server_errors)?,
    };
    let mut latency = Histogram::default();
    let earlier = |le: f64| {
        before
            .buckets
            .iter()
            .find(|(bound, _)| *bound == le)
            .map_or(0.0, |(_, count)| *count)
    };
    let mut low = 0.0;
    let mut below_now = 0.0;
    let mut below_then = 0.0;
    for &(le, cumulative) in &after.buckets {
        let then = earlier(le);
        let in_bucket = (cumulative - below_now) - (then - below_then);
        if in_bucket < 0.0 {
            return None;
        }
        if in_bucket >= 1.0 {
            latency.add_range(low, le, in_bucket.min(f64::from(u32::MAX)) as u32);
        }
        (low, below_now, below_then) = (le, cumulative, then);
    }
    Some((totals, latency))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As prometheus-client 0.25 writes it (edge-host's encoder), trimmed to two buckets.
    fn text(ok: u64, not_found: u64, failed: u64, fast: u64, slow: u64) -> String {
        let total = fast + slow;
        format!(
            "# HELP edge_host_http_requests HTTP requests by route and status.\n\
             # TYPE edge_host_http_requests counter\n\
             edge_host_http_requests_total{{route=\"/...\",status=\"200\"}} {ok}\n\
             edge_host_http_requests_total{{route=\"/api/items\",status=\"404\"}} {not_found}\n\
             edge_host_http_requests_total{{route=\"/api/items\",status=\"503\"}} {failed}\n\
             # HELP edge_host_http_request_duration_seconds Time to response headers, by route.\n\
             # TYPE edge_host_http_request_duration_seconds histogram\n\
             edge_host_http_request_duration_seconds_sum{{route=\"/...\"}} 1.5\n\
             edge_host_http_request_duration_seconds_count{{route=\"/...\"}} {total}\n\
             edge_host_http_request_duration_seconds_bucket{{le=\"0.0032\",route=\"/...\"}} {fast}\n\
             edge_host_http_request_duration_seconds_bucket{{le=\"1.6384\",route=\"/...\"}} {total}\n\
             edge_host_http_request_duration_seconds_bucket{{le=\"+Inf\",route=\"/...\"}} {total}\n\
             # TYPE edge_host_live_instances gauge\n\
             edge_host_live_instances 0\n\
             # EOF\n"
        )
    }

    #[test]
    fn a_scrape_sums_requests_by_class_and_buckets_over_routes() {
        let scrape = parse(&text(90, 4, 6, 95, 5)).expect("edge-host metrics");
        assert_eq!(
            scrape.totals,
            Column {
                requests: 100,
                client_errors: 4,
                server_errors: 6
            }
        );
        assert_eq!(scrape.buckets.len(), 3);
        assert_eq!(scrape.buckets[0], (0.0032, 95.0));
        assert!(scrape.buckets[2].0.is_infinite());
    }

    #[test]
    fn the_increase_between_scrapes_is_what_happened_in_between() {
        let before = parse(&text(90, 4, 6, 95, 5)).expect("before");
        let after = parse(&text(100, 4, 26, 100, 30)).expect("after");
        let (totals, latency) = increase(&before, &after).expect("counters grew");
        assert_eq!(
            totals,
            Column {
                requests: 30,
                client_errors: 0,
                server_errors: 20
            }
        );
        assert_eq!(latency.count(), 30);
        // 5 fast, 25 between 3.2 ms and 1.6 s: the median is a slow one.
        assert!(latency.quantile(0.5).expect("p50") > 0.1);
        // edge-host restarted: counters start again from zero.
        assert_eq!(increase(&after, &before), None);
    }

    #[test]
    fn an_answer_that_is_not_edge_hosts_metrics_is_refused() {
        assert!(parse("curl: connection refused").is_err());
        assert!(parse("").is_err());
        let idle = "# TYPE edge_host_live_instances gauge\nedge_host_live_instances 0\n# EOF\n";
        assert_eq!(parse(idle).expect("no request yet"), Scrape::default());
    }
}
