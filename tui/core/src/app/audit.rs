//! The Audit panel's state: the last report for the current profile, the selected finding and
//! whether its detail (rationale and fix) is open. Audits run in the background; this only keeps
//! and orders what they return.

use super::action::Effect;
use super::activity::ActivityKind;
use super::activity::log;
use super::state::State;
use crate::audit::{Finding, Report, Severity};
use chrono::{DateTime, Utc};
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditView {
    pub report: Option<Report>,
    pub error: Option<String>,
    /// An audit is running (started at this time).
    pub running: Option<DateTime<Utc>>,
    pub selected: usize,
    /// The selected finding's rationale and fix are shown.
    pub detail: bool,
}

impl AuditView {
    /// Open findings grouped by service, worst first inside each group: the panel's row order.
    pub fn rows(&self) -> Vec<&Finding> {
        let mut rows: Vec<&Finding> = self
            .report
            .as_ref()
            .map(|report| report.findings.iter().collect())
            .unwrap_or_default();
        rows.sort_by(|a, b| {
            (&a.service, b.severity, a.rule, &a.container).cmp(&(
                &b.service,
                a.severity,
                b.rule,
                &b.container,
            ))
        });
        rows
    }

    pub fn selected_finding(&self) -> Option<&Finding> {
        self.rows().get(self.selected).copied()
    }

    /// The worst open finding, for the header.
    pub fn worst(&self) -> Option<Severity> {
        self.report.as_ref().and_then(Report::worst)
    }
}

/// Asks for an audit of the current profile (files, and containers when they run).
pub fn start(state: &mut State, effects: &mut Vec<Effect>) {
    if state.audit.running.is_some() {
        return;
    }
    state.audit.running = Some(state.now);
    effects.push(Effect::Audit {
        profile: state.profile.clone(),
    });
}

/// An audit finished. Reports for a profile no longer shown are dropped.
pub fn finished(
    state: &mut State,
    profile: &str,
    elapsed: Duration,
    result: Result<Report, String>,
) {
    state.audit.running = None;
    if profile != state.profile {
        return;
    }
    state.dirty = true;
    match result {
        Ok(report) => {
            let summary = report.summary();
            let changed = state.audit.report.as_ref().map(Report::summary) != Some(summary.clone());
            let worst = report.worst();
            state.audit.report = Some(report);
            state.audit.error = None;
            let rows = state.audit.rows().len();
            state.audit.selected = state.audit.selected.min(rows.saturating_sub(1));
            if changed {
                let kind = if worst >= Some(Severity::High) {
                    ActivityKind::Error
                } else {
                    ActivityKind::Action
                };
                log(
                    state,
                    kind,
                    format!("audit of {profile}: {summary}"),
                    Some(elapsed),
                );
            }
        }
        Err(error) => {
            log(
                state,
                ActivityKind::Error,
                format!("audit of {profile} failed: {error}"),
                Some(elapsed),
            );
            state.audit.error = Some(error);
        }
    }
}

/// A new profile starts with no report.
pub fn reset(state: &mut State) {
    state.audit = AuditView::default();
}
