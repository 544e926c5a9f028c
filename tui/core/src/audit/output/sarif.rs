//! SARIF 2.1.0, so editors and CI can show the findings. Every finding points at the profile's
//! overlay file (where a fix usually goes) and names its service as a logical location;
//! suppressed findings are included with their justification, as SARIF intends.

use super::rule_of;
use crate::audit::finding::{Finding, Severity};
use crate::audit::report::Report;
use crate::audit::rules;
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Suppression, Tool, ToolComponent,
};

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

fn text(value: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(value).build()
}

fn result(finding: &Finding, overlay: &str, justification: Option<&str>) -> SarifResult {
    let place = finding.container.as_deref().unwrap_or(&finding.service);
    let title = rule_of(finding).map_or("", |rule| rule.title);
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(overlay).build())
                .build(),
        )
        .logical_locations(vec![
            LogicalLocation::builder()
                .name(place)
                .kind("service")
                .build(),
        ])
        .build();
    let message = Message::builder()
        .text(format!(
            "{title}: {place} ({}): {}",
            finding.origin.label(),
            finding.evidence
        ))
        .build();
    let builder = SarifResult::builder()
        .rule_id(finding.rule)
        .level(level(finding.severity))
        .message(message)
        .locations(vec![location]);
    match justification {
        Some(reason) => builder
            .suppressions(vec![
                Suppression::builder()
                    .kind("external")
                    .justification(reason)
                    .build(),
            ])
            .build(),
        None => builder.build(),
    }
}

pub fn sarif(report: &Report) -> Result<String, serde_json::Error> {
    let descriptors: Vec<ReportingDescriptor> = rules::all()
        .map(|rule| {
            ReportingDescriptor::builder()
                .id(rule.id)
                .name(rule.title)
                .short_description(text(rule.title))
                .full_description(text(rule.rationale))
                .help(text(&format!(
                    "{} (reference: {})",
                    rule.fix, rule.reference
                )))
                .build()
        })
        .collect();
    let overlay = format!("{}/compose.yaml", report.profile);
    let mut results: Vec<SarifResult> = report
        .findings
        .iter()
        .map(|finding| result(finding, &overlay, None))
        .collect();
    results.extend(
        report
            .suppressed
            .iter()
            .map(|entry| result(&entry.finding, &overlay, Some(&entry.reason))),
    );
    let driver = ToolComponent::builder()
        .name("stack-tui audit")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let log = Sarif::builder()
        .version(serde_json::json!("2.1.0"))
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .runs(vec![run])
        .build();
    serde_json::to_string_pretty(&log)
}
