//! Users and privilege: who the process is and what it may do.

use super::{Rule, seen};
use crate::audit::finding::Severity;
use crate::audit::subject::{Context, Subject};

/// Capabilities that amount to root on the host or the network: never added back.
const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "NET_ADMIN",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
];

pub const RULES: &[Rule] = &[
    Rule {
        id: "user-root",
        severity: Severity::High,
        title: "Runs as root",
        reference: "CIS §4.1",
        rationale: "Root in the container is root on the host's kernel: one escape or writable \
                    host path away from the host.",
        fix: "Set `user: \"<uid>:<gid>\"` to an unprivileged id the image's files allow.",
        check: user_root,
    },
    Rule {
        id: "user-unset",
        severity: Severity::Medium,
        title: "No user set: the image decides",
        reference: "CIS §4.1",
        rationale: "Without `user:` the image's default applies, and many images default to \
                    root; nothing in the files vouches for it.",
        fix: "Set `user:` explicitly, even when the image already runs unprivileged.",
        check: user_unset,
    },
    Rule {
        id: "privileged",
        severity: Severity::Critical,
        title: "Privileged container",
        reference: "CIS §5.4",
        rationale: "Privileged mode gives every capability and every device: the container is \
                    the host.",
        fix: "Remove `privileged: true`; add only the capability the service proves it needs.",
        check: |subject, _| subject.privileged.then(|| "privileged: true".to_string()),
    },
    Rule {
        id: "cap-not-dropped",
        severity: Severity::Medium,
        title: "Default capabilities kept",
        reference: "CIS §5.3",
        rationale: "Docker's default set (CHOWN, SETUID, NET_RAW, …) is more than a web \
                    service needs, and each one widens what an exploit can do.",
        fix: "Add `cap_drop: [ALL]` and `cap_add` back only what the service proves it needs.",
        check: cap_not_dropped,
    },
    Rule {
        id: "cap-add-dangerous",
        severity: Severity::High,
        title: "Powerful capability added",
        reference: "CIS §5.3",
        rationale: "SYS_ADMIN, NET_ADMIN, SYS_PTRACE and the like are root-equivalent or let a \
                    container reconfigure the host's network or other processes.",
        fix: "Remove the capability from `cap_add`; use a narrower one or a sidecar.",
        check: |subject, _| {
            let added = Subject::normalised_caps(&subject.cap_add);
            seen(
                added
                    .into_iter()
                    .filter(|cap| DANGEROUS_CAPS.contains(&cap.as_str()))
                    .map(|cap| format!("cap_add: {cap}"))
                    .collect(),
            )
        },
    },
    Rule {
        id: "cap-add",
        severity: Severity::Medium,
        title: "Capability added",
        reference: "CIS §5.3",
        rationale: "Every added capability (NET_RAW for raw sockets and spoofing, CHOWN, …) is \
                    an ability an attacker inherits; the stack's services need none.",
        fix: "Remove it from `cap_add`, or suppress with the reason the service needs it.",
        check: |subject, _| {
            let added = Subject::normalised_caps(&subject.cap_add);
            seen(
                added
                    .into_iter()
                    .filter(|cap| !DANGEROUS_CAPS.contains(&cap.as_str()))
                    .map(|cap| format!("cap_add: {cap}"))
                    .collect(),
            )
        },
    },
    Rule {
        id: "no-new-privileges",
        severity: Severity::Medium,
        title: "Can gain privileges (setuid binaries)",
        reference: "CIS §5.25",
        rationale: "Without no-new-privileges a setuid binary in the image can raise the \
                    process back to root.",
        fix: "Add `security_opt: [\"no-new-privileges:true\"]`.",
        check: |subject, _| {
            let set = subject.security_opt.iter().any(|opt| {
                let opt = opt.replace('=', ":");
                opt == "no-new-privileges" || opt == "no-new-privileges:true"
            });
            (!set).then(|| "security_opt lacks no-new-privileges:true".to_string())
        },
    },
    Rule {
        id: "seccomp-unconfined",
        severity: Severity::High,
        title: "Seccomp disabled",
        reference: "CIS §5.21",
        rationale: "Docker's default seccomp profile blocks ~50 dangerous syscalls (kernel \
                    module loading, keyring, ptrace of other namespaces).",
        fix: "Remove `seccomp:unconfined` from `security_opt`.",
        check: |subject, _| security_opt_is(subject, "seccomp", "unconfined"),
    },
    Rule {
        id: "apparmor-unconfined",
        severity: Severity::High,
        title: "AppArmor disabled",
        reference: "CIS §5.1",
        rationale: "On hosts with AppArmor, docker-default confines file and mount access; \
                    unconfined removes that layer.",
        fix: "Remove `apparmor:unconfined` from `security_opt`.",
        check: |subject, _| security_opt_is(subject, "apparmor", "unconfined"),
    },
    Rule {
        id: "selinux-disabled",
        severity: Severity::Medium,
        title: "SELinux labelling disabled",
        reference: "CIS §5.2",
        rationale: "On SELinux hosts, `label:disable` lets the container touch files labelled \
                    for other containers and the host.",
        fix: "Remove `label:disable` from `security_opt`.",
        check: |subject, _| security_opt_is(subject, "label", "disable"),
    },
];

fn user_root(subject: &Subject, _: &Context) -> Option<String> {
    if let Some(uid) = subject.effective_uid {
        return (uid == 0).then(|| "main process runs with effective uid 0".to_string());
    }
    let user = subject.user.as_deref()?.trim();
    let name = user.split(':').next().unwrap_or(user);
    matches!(name, "0" | "root").then(|| format!("user: {user}"))
}

fn user_unset(subject: &Subject, _: &Context) -> Option<String> {
    // At runtime the effective uid is the truth; `user-root` judges it.
    if subject.effective_uid.is_some() {
        return None;
    }
    let unset = subject
        .user
        .as_deref()
        .is_none_or(|user| user.trim().is_empty());
    unset.then(|| "no user: the image's default user applies".to_string())
}

fn cap_not_dropped(subject: &Subject, _: &Context) -> Option<String> {
    let dropped = Subject::normalised_caps(&subject.cap_drop);
    if !dropped.iter().any(|cap| cap == "ALL") {
        return Some(if dropped.is_empty() {
            "no cap_drop".to_string()
        } else {
            format!("cap_drop: {} (not ALL)", dropped.join(", "))
        });
    }
    // The files say ALL; the running process must agree unless something was added back.
    match subject.effective_caps {
        Some(caps) if caps != 0 && subject.cap_add.is_empty() => Some(format!(
            "effective capabilities {caps:#x} despite cap_drop ALL"
        )),
        _ => None,
    }
}

/// `seccomp:unconfined`, `seccomp=unconfined` (both spellings exist).
fn security_opt_is(subject: &Subject, key: &str, value: &str) -> Option<String> {
    subject
        .security_opt
        .iter()
        .find(|opt| {
            opt.split_once([':', '='])
                .is_some_and(|(k, v)| k == key && v == value)
        })
        .map(|opt| format!("security_opt: {opt}"))
}
