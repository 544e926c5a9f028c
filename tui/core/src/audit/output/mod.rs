//! The report in the three forms `stack-tui audit --format` offers. Each finding carries its
//! rule's title, reference, rationale and fix, so every form stands on its own.

mod sarif;
mod text;

pub use sarif::sarif;
pub use text::{rules_table, text};

use super::finding::Finding;
use super::report::Report;
use super::rules::{self, Rule};
use serde_json::{Value, json};

fn rule_of(finding: &Finding) -> Option<&'static Rule> {
    rules::find(finding.rule)
}

fn finding_json(finding: &Finding) -> Value {
    let mut value = serde_json::to_value(finding).unwrap_or(Value::Null);
    if let (Some(rule), Value::Object(map)) = (rule_of(finding), &mut value) {
        map.insert("title".into(), rule.title.into());
        map.insert("reference".into(), rule.reference.into());
        map.insert("rationale".into(), rule.rationale.into());
        map.insert("fix".into(), rule.fix.into());
    }
    value
}

/// `--format json`: the report with every finding's rule spelled out.
pub fn json(report: &Report) -> Value {
    let counts: serde_json::Map<String, Value> = report
        .counts()
        .into_iter()
        .map(|(severity, count)| (severity.label().to_string(), count.into()))
        .collect();
    json!({
        "profile": report.profile,
        "project": report.project,
        "sources": report.sources,
        "services": report.services,
        "containers": report.containers,
        "summary": counts,
        "exit_code": report.exit_code(),
        "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "suppressed": report.suppressed,
        "expired_suppressions": report.expired_suppressions,
    })
}
