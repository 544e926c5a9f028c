//! `audit [--static|--runtime] [--format text|json|sarif] [--rules]`: the profile's security
//! audit. The exit code is the worst open finding's (see `Severity::exit_code`).

use crate::cli::AuditFormat;
use crate::runtime::audit::{Scope, audit_profile};
use stack_core::audit::output;
use stack_core::model::Layout;

/// Prints the report and returns the exit code to end with.
pub async fn audit(
    layout: &Layout,
    profile: &str,
    scope: Scope,
    format: AuditFormat,
) -> anyhow::Result<u8> {
    let report = audit_profile(layout, profile, scope).await?;
    let printed = match format {
        AuditFormat::Text => output::text(&report),
        AuditFormat::Json => serde_json::to_string_pretty(&output::json(&report))?,
        AuditFormat::Sarif => output::sarif(&report)?,
    };
    println!("{}", printed.trim_end());
    Ok(report.exit_code())
}

/// `--rules`: the catalogue.
pub fn rules() {
    print!("{}", output::rules_table());
}
