//! Figures of one kind of reload: failed requests during its phase, and latencies.

use std::time::Duration;

use crate::load::Counts;

pub struct Phase {
    pub name: String,
    pub latencies: Vec<Duration>,
    pub sent: u64,
    pub failed: u64,
    pub retried: u64,
    pub seconds: f64,
    pub note: String,
}

impl Phase {
    pub fn new(name: &str, before: Counts, after: Counts, latencies: Vec<Duration>) -> Self {
        Self {
            name: name.to_owned(),
            latencies,
            sent: after.sent - before.sent,
            failed: after.failed - before.failed,
            retried: after.retried - before.retried,
            seconds: (after.at - before.at).as_secs_f64(),
            note: String::new(),
        }
    }

    pub fn line(&self) -> String {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let ms = |d: Option<&Duration>| {
            d.map_or("-".into(), |d| format!("{:.0}", d.as_secs_f64() * 1e3))
        };
        format!(
            "| {} | {} | {}/{} | {} | {:.0} | {} | {} | {} | {} |",
            self.name,
            sorted.len(),
            self.failed,
            self.sent,
            self.retried,
            self.sent as f64 / self.seconds.max(1e-9),
            ms(sorted.get(sorted.len() / 2)),
            ms(sorted.last()),
            ms(sorted.first()),
            self.note
        )
    }
}

pub fn header() -> &'static str {
    "| reload | n | failed/requests | retried | req/s | median ms | max ms | min ms | measured from |\n|---|---|---|---|---|---|---|---|---|"
}
