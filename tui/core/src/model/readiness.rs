//! Readiness of the app's replicas: whether each one can serve (its `/health/ready` answers 200,
//! i.e. Redis and Postgres answer), as opposed to Docker's health, which for the app is liveness
//! (`/health` touches no dependency). The probe runs edge-host's own `healthcheck` inside the
//! replica; this module reads what it said, sums replicas up and tells when one changed.

use serde::Serialize;

/// 200 only when Redis and Postgres answer, 503 naming what failed otherwise (DESIGN §4.1).
pub const READY_PATH: &str = "/health/ready";
/// Always 200: each dependency with its status and, when it failed, the error.
pub const REPORT_PATH: &str = "/health/detailed";

/// One replica's readiness as last probed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "ReadinessJson")]
pub enum Readiness {
    Ready,
    NotReady { reason: String },
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Ready => None,
            Self::NotReady { reason } => Some(reason),
        }
    }

    fn not_ready(reason: impl Into<String>) -> Self {
        Self::NotReady {
            reason: reason.into(),
        }
    }
}

/// `{"ready": true}` or `{"ready": false, "reason": "…"}`: what `status --format json` prints.
#[derive(Serialize)]
struct ReadinessJson {
    ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl From<Readiness> for ReadinessJson {
    fn from(readiness: Readiness) -> Self {
        match readiness {
            Readiness::Ready => Self {
                ready: true,
                reason: None,
            },
            Readiness::NotReady { reason } => Self {
                ready: false,
                reason: Some(reason),
            },
        }
    }
}

/// What `edge-host healthcheck URL` said about [`READY_PATH`]: it exits 0 on 2xx and otherwise
/// prints one line naming what failed (a non-2xx answer drops the body, so the app's reason is
/// fetched from [`REPORT_PATH`] next).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadyCheck {
    Ready,
    /// The app answered with this status line, e.g. `status 503 Service Unavailable`.
    Refused(String),
    /// No answer to judge (no connection, no answer in time, no exec): the reason.
    Failed(String),
}

/// Reads the exit code and output of `edge-host healthcheck …/health/ready`.
pub fn read_ready_check(exit_code: Option<i64>, output: &str) -> ReadyCheck {
    if exit_code == Some(0) {
        return ReadyCheck::Ready;
    }
    let message = healthcheck_message(output);
    match message.find("status ") {
        Some(at) if message.contains("unhealthy") => ReadyCheck::Refused(message[at..].into()),
        _ if message.is_empty() => ReadyCheck::Failed(match exit_code {
            Some(code) => format!("the probe exited {code} without a message"),
            None => "the probe ended without an exit code".into(),
        }),
        _ => ReadyCheck::Failed(message.into()),
    }
}

/// The probe's last line without `edge-host: ` and the URL it names (`http://…/health/ready: `).
fn healthcheck_message(output: &str) -> &str {
    let line = output
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let line = line.strip_prefix("edge-host: ").unwrap_or(line);
    match line.split_once(": ") {
        Some((url, rest)) if url.starts_with("http://") => rest,
        _ => line,
    }
}

/// A replica whose `/health/ready` refused (`status`): the reason is each failed dependency's
/// error from the app's report ([`REPORT_PATH`], `report` is its body or why it could not be
/// read), e.g. `postgres unavailable: password authentication failed for user "app"`.
pub fn not_ready_from_report(status: &str, report: Result<&str, &str>) -> Readiness {
    match report {
        Ok(body) => match failed_dependencies(body) {
            Some(reason) => Readiness::not_ready(reason),
            None => Readiness::not_ready(format!("/health/ready answered {status}")),
        },
        Err(why) => Readiness::not_ready(format!(
            "/health/ready answered {status} (no report: {why})"
        )),
    }
}

/// `name: error` (or the error alone when it names the dependency) for every dependency the
/// report does not call `ok`, joined with `; `; `None` when the body is not such a report or
/// every dependency is fine.
fn failed_dependencies(body: &str) -> Option<String> {
    let report: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    let failed: Vec<String> = report
        .get("dependencies")?
        .as_object()?
        .iter()
        .filter(|(_, entry)| entry.get("status").and_then(|s| s.as_str()) != Some("ok"))
        .map(|(name, entry)| {
            let error = entry
                .get("error")
                .and_then(|e| e.as_str())
                .or_else(|| entry.get("status").and_then(|s| s.as_str()))
                .unwrap_or("failed");
            if error.starts_with(name.as_str()) {
                error.to_string()
            } else {
                format!("{name}: {error}")
            }
        })
        .collect();
    (!failed.is_empty()).then(|| failed.join("; "))
}

/// A service's replicas taken together: `ready 2/2`, `not ready 1/2`, `checking 1/2`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ReadinessSummary {
    pub ready: usize,
    pub not_ready: usize,
    /// Running replicas, probed or not.
    pub total: usize,
    /// The first not-ready replica's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReadinessVerdict {
    Ready,
    /// Some replica has not been probed yet and none is known not ready.
    Checking,
    NotReady,
}

impl ReadinessSummary {
    /// Adds one running replica, `None` when it has not been probed yet.
    pub fn add(&mut self, readiness: Option<&Readiness>) {
        self.total += 1;
        match readiness {
            Some(Readiness::Ready) => self.ready += 1,
            Some(Readiness::NotReady { reason }) => {
                self.not_ready += 1;
                self.reason.get_or_insert_with(|| reason.clone());
            }
            None => {}
        }
    }

    pub fn verdict(&self) -> ReadinessVerdict {
        if self.not_ready > 0 {
            ReadinessVerdict::NotReady
        } else if self.ready < self.total {
            ReadinessVerdict::Checking
        } else {
            ReadinessVerdict::Ready
        }
    }

    /// `2/2`: ready replicas of the running ones.
    pub fn fraction(&self) -> String {
        format!("{}/{}", self.ready, self.total)
    }

    /// `ready 2/2`, `not ready 1/2`, `checking 1/2`.
    pub fn label(&self) -> String {
        let word = match self.verdict() {
            ReadinessVerdict::Ready => "ready",
            ReadinessVerdict::Checking => "checking",
            ReadinessVerdict::NotReady => "not ready",
        };
        format!("{word} {}", self.fraction())
    }
}

/// Sums up replicas (`None`: not probed yet).
pub fn summarize<'a>(
    replicas: impl IntoIterator<Item = Option<&'a Readiness>>,
) -> ReadinessSummary {
    let mut summary = ReadinessSummary::default();
    for readiness in replicas {
        summary.add(readiness);
    }
    summary
}

/// A change worth an Activity entry: only a turn between ready and not ready, so a replica that
/// stays not ready (even with a reason that varies) is said once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadinessChange {
    NotReady(String),
    ReadyAgain,
}

/// `previous` is the last probe's answer (`None`: first probe of this replica, which is only
/// news when it is not ready).
pub fn readiness_change(previous: Option<&Readiness>, next: &Readiness) -> Option<ReadinessChange> {
    match (previous, next) {
        (None | Some(Readiness::Ready), Readiness::NotReady { reason }) => {
            Some(ReadinessChange::NotReady(reason.clone()))
        }
        (Some(Readiness::NotReady { .. }), Readiness::Ready) => Some(ReadinessChange::ReadyAgain),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:3000/health/ready";

    fn not_ready(reason: &str) -> Readiness {
        Readiness::not_ready(reason)
    }

    #[test]
    fn the_healthcheck_exit_and_line_become_a_check() {
        let refused = format!("edge-host: {URL}: unhealthy, status 503 Service Unavailable\n");
        let cases = [
            (Some(0), format!("{URL}: 200 OK\n"), ReadyCheck::Ready),
            (
                Some(1),
                refused,
                ReadyCheck::Refused("status 503 Service Unavailable".into()),
            ),
            (
                Some(1),
                format!("edge-host: {URL}: no answer within 2000 ms\n"),
                ReadyCheck::Failed("no answer within 2000 ms".into()),
            ),
            (
                Some(1),
                format!("edge-host: {URL}: cannot connect: Connection refused (os error 111)"),
                ReadyCheck::Failed("cannot connect: Connection refused (os error 111)".into()),
            ),
            (
                Some(126),
                "OCI runtime exec failed: container is paused\n\n".into(),
                ReadyCheck::Failed("OCI runtime exec failed: container is paused".into()),
            ),
            (
                Some(137),
                String::new(),
                ReadyCheck::Failed("the probe exited 137 without a message".into()),
            ),
            (
                None,
                " \n".into(),
                ReadyCheck::Failed("the probe ended without an exit code".into()),
            ),
        ];
        for (exit, output, expected) in cases {
            assert_eq!(read_ready_check(exit, &output), expected, "{output:?}");
        }
    }

    #[test]
    fn the_report_names_each_failed_dependency_and_its_error() {
        let status = "status 503 Service Unavailable";
        let postgres_down = r#"{"status":"degraded","dependencies":{
            "redis":{"status":"ok","latency_ms":0.4},
            "postgres":{"status":"unavailable","latency_ms":3.1,
                        "error":"postgres unavailable: password authentication failed for user \"app\""}}}"#;
        assert_eq!(
            not_ready_from_report(status, Ok(postgres_down)),
            not_ready(r#"postgres unavailable: password authentication failed for user "app""#)
        );
        let both = r#"{"status":"degraded","dependencies":{
            "postgres":{"status":"unavailable","error":"statement timeout"},
            "redis":{"status":"unavailable"}}}"#;
        assert_eq!(
            not_ready_from_report(status, Ok(both)),
            not_ready("postgres: statement timeout; redis: unavailable")
        );
        // Recovered between the two requests, or not a report at all: the status stays the reason.
        for body in [
            r#"{"status":"ok","dependencies":{"redis":{"status":"ok"}}}"#,
            "<html>busy</html>",
        ] {
            assert_eq!(
                not_ready_from_report(status, Ok(body)),
                not_ready("/health/ready answered status 503 Service Unavailable"),
                "{body}"
            );
        }
        assert_eq!(
            not_ready_from_report(status, Err("no answer within 2000 ms")),
            not_ready(
                "/health/ready answered status 503 Service Unavailable (no report: no answer within 2000 ms)"
            )
        );
    }

    #[test]
    fn replicas_sum_up_to_a_label_and_a_verdict() {
        let ready = Readiness::Ready;
        let down = not_ready("postgres unavailable: connection refused");
        let cases: [(Vec<Option<&Readiness>>, &str, ReadinessVerdict); 5] = [
            (
                vec![Some(&ready), Some(&ready)],
                "ready 2/2",
                ReadinessVerdict::Ready,
            ),
            (
                vec![Some(&ready), Some(&down)],
                "not ready 1/2",
                ReadinessVerdict::NotReady,
            ),
            (
                vec![None, Some(&down), Some(&down)],
                "not ready 0/3",
                ReadinessVerdict::NotReady,
            ),
            (
                vec![Some(&ready), None],
                "checking 1/2",
                ReadinessVerdict::Checking,
            ),
            (vec![], "ready 0/0", ReadinessVerdict::Ready),
        ];
        for (replicas, label, verdict) in cases {
            let summary = summarize(replicas);
            assert_eq!(summary.label(), label);
            assert_eq!(summary.verdict(), verdict, "{label}");
        }
        let summary = summarize([Some(&ready), Some(&down)]);
        assert_eq!(summary.fraction(), "1/2");
        assert_eq!(summary.reason.as_deref(), down.reason());
    }

    #[test]
    fn only_a_turn_between_ready_and_not_ready_is_a_change() {
        let ready = Readiness::Ready;
        let down = not_ready("postgres unavailable: timeout");
        let other = not_ready("no answer within 2000 ms");
        let said = ReadinessChange::NotReady("postgres unavailable: timeout".into());
        let cases = [
            (None, &ready, None),
            (None, &down, Some(said.clone())),
            (Some(&ready), &ready, None),
            (Some(&ready), &down, Some(said)),
            (Some(&down), &down, None),
            (Some(&down), &other, None),
            (Some(&other), &ready, Some(ReadinessChange::ReadyAgain)),
        ];
        for (previous, next, expected) in cases {
            assert_eq!(
                readiness_change(previous, next),
                expected,
                "{previous:?} → {next:?}"
            );
        }
    }

    #[test]
    fn json_says_ready_and_the_reason() {
        let json = |r: &Readiness| serde_json::to_value(r).expect("serialises");
        assert_eq!(json(&Readiness::Ready), serde_json::json!({"ready": true}));
        assert_eq!(
            json(&not_ready("redis unavailable: timeout")),
            serde_json::json!({"ready": false, "reason": "redis unavailable: timeout"})
        );
    }
}
