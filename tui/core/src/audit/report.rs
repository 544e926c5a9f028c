//! One report from both sources: the rules applied to every subject, drift between the files and
//! the containers, then the profile's suppressions. Pure: the subjects come from elsewhere.

use super::drift;
use super::finding::{Finding, Origin, Severity, Suppressed};
use super::rules::{self, DRIFT};
use super::subject::{Context, Subject};
use super::suppress::{self, Suppression};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// What was audited: the files' subjects, the containers' subjects, or both.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub files: Option<(Vec<Subject>, Context)>,
    pub containers: Option<(Vec<Subject>, Context)>,
    pub suppressions: Vec<Suppression>,
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub profile: String,
    pub project: String,
    pub sources: Vec<Origin>,
    pub services: usize,
    pub containers: usize,
    /// Open findings, worst first.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    /// Suppressions past their expiry, which no longer apply: `rule/service (expired DATE)`.
    pub expired_suppressions: Vec<String>,
}

impl Report {
    pub fn build(profile: &str, project: &str, inputs: Inputs) -> Self {
        let mut findings = Vec::new();
        let mut sources = Vec::new();
        let mut services = 0;
        let mut containers = 0;
        if let Some((subjects, context)) = &inputs.files {
            sources.push(Origin::Static);
            services = subjects.len();
            findings.extend(evaluate(subjects, context, Origin::Static));
        }
        if let Some((subjects, context)) = &inputs.containers {
            sources.push(Origin::Runtime);
            containers = subjects.len();
            findings.extend(evaluate(subjects, context, Origin::Runtime));
            if let Some((files, _)) = &inputs.files {
                sources.push(Origin::Drift);
                findings.extend(drifted(files, subjects));
            }
        }
        findings.sort_by(|a, b| {
            (b.severity, &a.service, a.rule, a.origin, &a.container).cmp(&(
                a.severity,
                &b.service,
                b.rule,
                b.origin,
                &b.container,
            ))
        });
        let today = inputs
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let (findings, suppressed) = suppress::apply(findings, &inputs.suppressions, today);
        let expired_suppressions = suppress::expired(&inputs.suppressions, today)
            .into_iter()
            .map(|entry| {
                let date = entry.expires.map(|d| d.to_string()).unwrap_or_default();
                format!("{}/{} (expired {date})", entry.rule, entry.service)
            })
            .collect();
        Self {
            profile: profile.to_string(),
            project: project.to_string(),
            sources,
            services,
            containers,
            findings,
            suppressed,
            expired_suppressions,
        }
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|finding| finding.severity).max()
    }

    /// 0 when nothing is open, else the worst severity's code (see `Severity::exit_code`).
    pub fn exit_code(&self) -> u8 {
        self.worst().map_or(0, Severity::exit_code)
    }

    /// Open findings by severity.
    pub fn counts(&self) -> BTreeMap<Severity, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry(finding.severity).or_insert(0) += 1;
        }
        counts
    }

    /// `2 high, 1 medium` or `clean`, for headers and summaries.
    pub fn summary(&self) -> String {
        let counts = self.counts();
        let parts: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|severity| {
                counts
                    .get(severity)
                    .map(|count| format!("{count} {severity}"))
            })
            .collect();
        if parts.is_empty() {
            "clean".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Every rule on every subject.
pub fn evaluate(subjects: &[Subject], context: &Context, origin: Origin) -> Vec<Finding> {
    let mut findings = Vec::new();
    for subject in subjects {
        for rule in rules::all() {
            if let Some(evidence) = (rule.check)(subject, context) {
                findings.push(Finding {
                    rule: rule.id,
                    severity: rule.severity,
                    service: subject.service.clone(),
                    container: subject.container.clone(),
                    origin,
                    evidence,
                });
            }
        }
    }
    findings
}

fn drifted(files: &[Subject], containers: &[Subject]) -> Vec<Finding> {
    containers
        .iter()
        .filter_map(|running| {
            let declared = files.iter().find(|s| s.service == running.service)?;
            let differences = drift::differences(declared, running);
            (!differences.is_empty()).then(|| Finding {
                rule: DRIFT.id,
                severity: DRIFT.severity,
                service: running.service.clone(),
                container: running.container.clone(),
                origin: Origin::Drift,
                evidence: differences.join("; "),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_and_suppressions_reach_the_report_and_decide_the_exit_code() {
        let hardened = Subject {
            service: "web".into(),
            read_only: true,
            ..Subject::default()
        };
        let running = Subject {
            container: Some("p-web-1".into()),
            read_only: false,
            ..hardened.clone()
        };
        let suppressions = suppress::parse(
            "[[ignore]]\nrule = \"rootfs-writable\"\nservice = \"web\"\nreason = \"tested\"\n",
        )
        .expect("valid");
        let report = Report::build(
            "local",
            "stack-local",
            Inputs {
                files: Some((vec![hardened], Context::default())),
                containers: Some((vec![running], Context::default())),
                suppressions,
                today: NaiveDate::from_ymd_opt(2026, 1, 1),
            },
        );
        assert!(
            report.findings.iter().any(|f| f.rule == "drift"
                && f.evidence.contains("read_only: files true, running false"))
        );
        assert!(report.findings.iter().all(|f| f.rule != "rootfs-writable"));
        assert_eq!(report.suppressed.len(), 1);
        assert_eq!(
            report.sources,
            [Origin::Static, Origin::Runtime, Origin::Drift]
        );
        assert_eq!(
            report.exit_code(),
            report.worst().map_or(0, Severity::exit_code)
        );
        let worst_first = report
            .findings
            .windows(2)
            .all(|w| w[0].severity >= w[1].severity);
        assert!(worst_first);
    }
}
