//! The rule catalogue. A rule is data: id, severity, where it comes from, why it matters, the fix,
//! and a pure check over one [`Subject`]. One file per family keeps each readable; `all()` is the
//! one list every report, test and help screen derives from.
//!
//! References: "CIS §5.n" is the CIS Docker Benchmark v1.2.0 container-runtime section, "CIS §4.n"
//! its image section; dclint rule names are given as that linter spells them.

mod filesystem;
mod images;
mod limits;
mod namespaces;
mod network;
mod privilege;
mod secrets;
mod tls;

use super::finding::Severity;
use super::subject::{Context, Subject};

/// A check returns what it saw when the rule fires, `None` when the subject passes.
pub type Check = fn(&Subject, &Context) -> Option<String>;

#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub reference: &'static str,
    pub rationale: &'static str,
    pub fix: &'static str,
    pub check: Check,
}

/// The rule for a running container that no longer matches the profile's files. Its check lives
/// in `drift.rs` because it compares two subjects.
pub const DRIFT: Rule = Rule {
    id: "drift",
    severity: Severity::Medium,
    title: "Container does not match the profile's files",
    reference: "CIS §5 (audit the running configuration, not only the files)",
    rationale: "A container started from older files keeps their settings: the files look \
                hardened while the running service is not, or the other way round.",
    fix: "Apply the files (`stack-tui up`, or save to trigger a stack reload) or revert the \
          edit; then audit again.",
    check: |_, _| None,
};

/// Every rule, in report order.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    privilege::RULES
        .iter()
        .chain(filesystem::RULES)
        .chain(namespaces::RULES)
        .chain(network::RULES)
        .chain(secrets::RULES)
        .chain(limits::RULES)
        .chain(images::RULES)
        .chain(tls::RULES)
        .chain(std::iter::once(&DRIFT))
}

pub fn find(id: &str) -> Option<&'static Rule> {
    all().find(|rule| rule.id == id)
}

/// Joins what a check saw, or `None` when it saw nothing.
fn seen(items: Vec<String>) -> Option<String> {
    (!items.is_empty()).then(|| items.join(", "))
}

/// Files of `kind` that the group or others may read or write.
fn readable_by_others(subject: &Subject, kind: &super::subject::FileKind) -> Option<String> {
    seen(
        subject
            .files
            .iter()
            .filter(|file| &file.kind == kind && file.mode & 0o077 != 0)
            .map(|file| format!("{} is {:o}", file.path.display(), file.mode))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_kebab_case_and_every_rule_is_documented() {
        let mut ids = BTreeSet::new();
        for rule in all() {
            assert!(ids.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}: ids are kebab-case",
                rule.id
            );
            for (what, text) in [
                ("title", rule.title),
                ("reference", rule.reference),
                ("rationale", rule.rationale),
                ("fix", rule.fix),
            ] {
                assert!(!text.trim().is_empty(), "{}: empty {what}", rule.id);
            }
        }
        assert!(ids.len() >= 25, "only {} rules", ids.len());
    }

    #[test]
    fn a_one_shot_needs_no_restart_policy_or_healthcheck() {
        use crate::audit::subject::{Context, Healthcheck};
        let check = |subject: &Subject, id: &str| {
            find(id).and_then(|rule| (rule.check)(subject, &Context::default()))
        };
        let mut job = Subject {
            service: "migrate".into(),
            restart: Some("no".into()),
            healthcheck: Healthcheck::Disabled,
            ..Subject::default()
        };
        assert!(check(&job, "restart-policy").is_some());
        assert!(check(&job, "healthcheck-missing").is_some());
        job.labels
            .insert("stack-tui.one-shot".into(), "true".into());
        assert_eq!(check(&job, "restart-policy"), None);
        assert_eq!(check(&job, "healthcheck-missing"), None);
    }
}
