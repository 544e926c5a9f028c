//! TLS material the services get from the host: certificates in date, keys private.

use super::{Rule, readable_by_others, seen};
use crate::audit::finding::Severity;
use crate::audit::subject::{FileKind, Subject};

/// Renew this long before expiry: time for a calm rotation, and Let's Encrypt's habit.
const RENEW_BEFORE_SECONDS: i64 = 30 * 24 * 3600;

pub const RULES: &[Rule] = &[
    Rule {
        id: "tls-cert-expired",
        severity: Severity::High,
        title: "TLS certificate expired",
        reference: "RFC 5280 §4.1.2.5 (validity); stack-tui's own rule",
        rationale: "Clients refuse an expired certificate: HTTPS is down however healthy the \
                    containers look.",
        fix: "Renew it (for the bundled self-signed one: delete proxy-config/tls/ and run \
              compose/prepare), then reload the proxy.",
        check: |subject, context| {
            certificates(subject, |not_after| not_after <= context.now)
                .map(|list| format!("expired: {list}"))
        },
    },
    Rule {
        id: "tls-cert-expiring",
        severity: Severity::Medium,
        title: "TLS certificate expires within 30 days",
        reference: "RFC 5280 §4.1.2.5 (validity); stack-tui's own rule",
        rationale: "Certificates that expire unnoticed take HTTPS down; 30 days leaves time to \
                    renew calmly.",
        fix: "Renew the certificate and reload the proxy.",
        check: |subject, context| {
            certificates(subject, |not_after| {
                not_after > context.now && not_after - context.now < RENEW_BEFORE_SECONDS
            })
            .map(|list| format!("expires soon: {list}"))
        },
    },
    Rule {
        id: "tls-key-permissions",
        severity: Severity::High,
        title: "TLS private key readable by others",
        reference: "CIS §3 (the engine's TLS keys: 400), applied to the stack's",
        rationale: "Anyone who reads the key can impersonate the server.",
        fix: "`chmod 600` the key, owned by the user the proxy runs as.",
        check: |subject, _| readable_by_others(subject, &FileKind::PrivateKey),
    },
];

fn certificates(subject: &Subject, matches: impl Fn(i64) -> bool) -> Option<String> {
    seen(
        subject
            .files
            .iter()
            .filter_map(|file| match file.kind {
                FileKind::Certificate { not_after } if matches(not_after) => {
                    let date = chrono::DateTime::from_timestamp(not_after, 0)
                        .map(|time| time.format("%Y-%m-%d").to_string())
                        .unwrap_or_else(|| not_after.to_string());
                    Some(format!("{} (not after {date})", file.path.display()))
                }
                _ => None,
            })
            .collect(),
    )
}
