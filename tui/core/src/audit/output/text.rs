//! The report for people: worst first, each finding with what was seen and the fix.

use super::rule_of;
use crate::audit::finding::{Origin, Severity};
use crate::audit::report::Report;
use crate::audit::rules;
use std::fmt::Write;

pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let sources: Vec<&str> = report.sources.iter().map(|origin| origin.label()).collect();
    let _ = writeln!(
        out,
        "audit of profile {} ({}): {} — {} service(s), {} container(s)",
        report.profile,
        report.project,
        sources.join(" + "),
        report.services,
        report.containers
    );
    for finding in &report.findings {
        let title = rule_of(finding).map_or("", |rule| rule.title);
        let place = match (&finding.container, finding.origin) {
            (Some(container), _) => container.clone(),
            (None, Origin::Static) => format!("{} (files)", finding.service),
            (None, _) => finding.service.clone(),
        };
        let _ = writeln!(
            out,
            "\n{:<8} {}  {}  [{}]\n         {}: {}",
            finding.severity.label().to_uppercase(),
            finding.rule,
            title,
            finding.origin.label(),
            place,
            finding.evidence
        );
        if let Some(rule) = rule_of(finding) {
            let _ = writeln!(out, "         fix: {}", rule.fix);
        }
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(out, "\nsuppressed ({}):", report.suppressed.len());
        for entry in &report.suppressed {
            let until = entry
                .expires
                .as_deref()
                .map(|date| format!(" until {date}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<8} {} {} [{}]: {}{until}",
                entry.finding.severity.label(),
                entry.finding.rule,
                entry
                    .finding
                    .container
                    .as_deref()
                    .unwrap_or(&entry.finding.service),
                entry.finding.origin.label(),
                entry.reason
            );
        }
    }
    for expired in &report.expired_suppressions {
        let _ = writeln!(out, "\nsuppression no longer applies: {expired}");
    }
    let _ = writeln!(
        out,
        "\n{}; {} suppressed",
        if report.findings.is_empty() {
            "no open findings".to_string()
        } else {
            format!("open: {}", report.summary())
        },
        report.suppressed.len()
    );
    out
}

/// `--rules`: the catalogue, one rule a paragraph.
pub fn rules_table() -> String {
    let mut out = String::new();
    for severity in Severity::ALL {
        for rule in rules::all().filter(|rule| rule.severity == severity) {
            let _ = writeln!(
                out,
                "{:<24} {:<8} {}\n    reference: {}\n    why: {}\n    fix: {}\n",
                rule.id,
                rule.severity.label(),
                rule.title,
                rule.reference,
                rule.rationale,
                rule.fix
            );
        }
    }
    out
}
