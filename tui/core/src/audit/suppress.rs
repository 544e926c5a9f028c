//! Suppressions: `<profile>/audit-ignore.toml` lists accepted findings, each with a reason and an
//! optional expiry. They are shown in every report, never hidden; an expired one stops applying.
//!
//! ```toml
//! [[ignore]]
//! rule = "rootfs-writable"
//! service = "app"          # or "*" for every service
//! reason = "why this is accepted"
//! expires = "2027-06-30"   # optional
//! ```

use super::finding::{Finding, Suppressed};
use super::rules;
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "audit-ignore.toml";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub rule: String,
    pub service: String,
    pub reason: String,
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreFile {
    #[serde(default)]
    ignore: Vec<Suppression>,
}

#[derive(Debug, thiserror::Error)]
pub enum SuppressError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid suppression file: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The profile's suppressions; none when the file does not exist.
pub fn load(path: &Path) -> Result<Vec<Suppression>, SuppressError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(SuppressError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    parse(&text).map_err(|message| SuppressError::Invalid {
        path: path.to_path_buf(),
        message,
    })
}

pub fn parse(text: &str) -> Result<Vec<Suppression>, String> {
    let file: IgnoreFile = toml::from_str(text).map_err(|err| err.to_string())?;
    for (index, entry) in file.ignore.iter().enumerate() {
        let at = format!("entry {} (rule \"{}\")", index + 1, entry.rule);
        if rules::find(&entry.rule).is_none() {
            return Err(format!(
                "{at}: unknown rule id; `stack-tui audit --rules` lists them"
            ));
        }
        if entry.reason.trim().is_empty() {
            return Err(format!(
                "{at}: `reason` must say why the finding is accepted"
            ));
        }
        if entry.service.trim().is_empty() {
            return Err(format!(
                "{at}: `service` must name a service, or \"*\" for all"
            ));
        }
    }
    Ok(file.ignore)
}

/// Splits findings into open ones and suppressed ones. Expired suppressions do not apply.
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    today: NaiveDate,
) -> (Vec<Finding>, Vec<Suppressed>) {
    let mut open = Vec::new();
    let mut suppressed = Vec::new();
    for finding in findings {
        let cover = suppressions.iter().find(|entry| {
            entry.rule == finding.rule
                && (entry.service == "*" || entry.service == finding.service)
                && entry.expires.is_none_or(|date| date >= today)
        });
        match cover {
            Some(entry) => suppressed.push(Suppressed {
                finding,
                reason: entry.reason.clone(),
                expires: entry.expires.map(|date| date.to_string()),
            }),
            None => open.push(finding),
        }
    }
    (open, suppressed)
}

/// Suppressions past their date, for the report to name.
pub fn expired(suppressions: &[Suppression], today: NaiveDate) -> Vec<&Suppression> {
    suppressions
        .iter()
        .filter(|entry| entry.expires.is_some_and(|date| date < today))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::finding::{Origin, Severity};

    fn finding(rule: &'static str, service: &str) -> Finding {
        Finding {
            rule,
            severity: Severity::Medium,
            service: service.into(),
            container: None,
            origin: Origin::Static,
            evidence: "x".into(),
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    #[test]
    fn a_suppression_covers_its_rule_and_service_until_it_expires() {
        let entries = parse(
            r#"
            [[ignore]]
            rule = "rootfs-writable"
            service = "app"
            reason = "hot swap needs it"
            expires = "2030-01-01"
            [[ignore]]
            rule = "cpu-unlimited"
            service = "*"
            reason = "local machine"
            "#,
        )
        .expect("valid");
        let findings = vec![
            finding("rootfs-writable", "app"),
            finding("rootfs-writable", "nginx"),
            finding("cpu-unlimited", "redis"),
        ];
        let (open, suppressed) = apply(findings.clone(), &entries, day("2029-12-31"));
        assert_eq!(open, [finding("rootfs-writable", "nginx")]);
        assert_eq!(suppressed.len(), 2);
        assert_eq!(suppressed[0].reason, "hot swap needs it");
        let (open, _) = apply(findings, &entries, day("2030-01-02"));
        assert_eq!(open.len(), 2, "the expired suppression no longer applies");
        assert_eq!(expired(&entries, day("2030-01-02")).len(), 1);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let unknown = parse("[[ignore]]\nrule = \"nope\"\nservice = \"a\"\nreason = \"r\"\n");
        assert!(unknown.is_err_and(|err| err.contains("unknown rule id")));
        let no_reason =
            parse("[[ignore]]\nrule = \"privileged\"\nservice = \"a\"\nreason = \" \"\n");
        assert!(no_reason.is_err_and(|err| err.contains("reason")));
        let missing = parse("[[ignore]]\nrule = \"privileged\"\nservice = \"a\"\n");
        assert!(missing.is_err_and(|err| err.contains("reason")));
        let typo = parse(
            "[[ignore]]\nrule = \"privileged\"\nservice = \"a\"\nreason = \"r\"\nexpire = \"2030-01-01\"\n",
        );
        assert!(typo.is_err_and(|err| err.contains("expire")));
        let bad_date = parse(
            "[[ignore]]\nrule = \"privileged\"\nservice = \"a\"\nreason = \"r\"\nexpires = \"soon\"\n",
        );
        assert!(bad_date.is_err());
    }
}
