//! Secrets are files with tight permissions, never environment values. Evidence names the
//! variable or file, never the value.

use super::{Rule, readable_by_others, seen};
use crate::audit::finding::Severity;
use crate::audit::subject::FileKind;

/// Variable names that announce a secret.
const SECRET_NAME_PARTS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "ACCESS_KEY",
];

/// Shannon entropy (bits per character) above which a long token looks random, i.e. like a key,
/// by alphabet: random hex scores close to 4 and random base64 above 5, while identifiers made of
/// words stay lower. The thresholds are the ones secret scanners commonly use.
const HEX_BITS_PER_CHAR: f64 = 3.0;
const BASE64_BITS_PER_CHAR: f64 = 4.5;
const ENTROPY_MIN_LENGTH: usize = 20;

pub const RULES: &[Rule] = &[
    Rule {
        id: "secret-env-name",
        severity: Severity::High,
        title: "Secret in an environment variable",
        reference: "CIS §4.10; Docker docs \"Manage secrets in Compose\"",
        rationale: "Environment values show in `docker inspect`, in /proc/<pid>/environ, in \
                    crash reports and in every child process.",
        fix: "Move the value to a `secrets:` file and pass its path (`<NAME>_FILE`).",
        check: |subject, _| {
            seen(
                subject
                    .environment
                    .iter()
                    .filter(|(name, value)| names_a_secret(name) && holds_a_value(value))
                    .map(|(name, _)| format!("{name} is set in the environment"))
                    .collect(),
            )
        },
    },
    Rule {
        id: "secret-env-entropy",
        severity: Severity::Medium,
        title: "Random-looking value in the environment",
        reference: "CIS §4.10",
        rationale: "A long high-entropy value is most likely a key or password, whatever the \
                    variable is called.",
        fix: "Move it to a `secrets:` file; suppress with a reason if it is not secret.",
        check: |subject, _| {
            seen(
                subject
                    .environment
                    .iter()
                    .filter(|(name, value)| {
                        !names_a_secret(name) && holds_a_value(value) && looks_random(value)
                    })
                    .map(|(name, value)| format!("{name} ({:.1} bits/char)", entropy(value)))
                    .collect(),
            )
        },
    },
    Rule {
        id: "secret-in-url",
        severity: Severity::High,
        title: "Password inside a URL",
        reference: "CIS §4.10",
        rationale: "`scheme://user:password@host` puts the password wherever the URL is \
                    logged or shown.",
        fix: "Keep the URL without credentials and pass the password as a secret file.",
        check: |subject, _| {
            seen(
                subject
                    .environment
                    .iter()
                    .filter(|(_, value)| url_has_password(value))
                    .map(|(name, _)| format!("{name} holds a URL with a password"))
                    .collect(),
            )
        },
    },
    Rule {
        id: "secret-file-permissions",
        severity: Severity::High,
        title: "Secret file readable by others",
        reference: "Docker docs \"Manage secrets in Compose\"",
        rationale: "Compose mounts secret files as they are: a group- or world-readable file \
                    on the host is readable by every user there.",
        fix: "`chmod 600` the file (compose/prepare creates them so).",
        check: |subject, _| readable_by_others(subject, &FileKind::Secret),
    },
];

fn names_a_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    // `<NAME>_FILE` holds a path to the secret, which is the fix, not the problem.
    !upper.ends_with("_FILE") && SECRET_NAME_PARTS.iter().any(|part| upper.contains(part))
}

fn holds_a_value(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty() && !value.starts_with('/')
}

/// One token of hex or base64 (URL-safe too) characters, long, mixing letters and digits, with
/// its alphabet's entropy threshold passed. Paths, URLs and image names have other characters.
fn looks_random(value: &str) -> bool {
    if value.len() < ENTROPY_MIN_LENGTH
        || !value.chars().any(|c| c.is_ascii_digit())
        || !value.chars().any(|c| c.is_ascii_alphabetic())
    {
        return false;
    }
    let hex = value.chars().all(|c| c.is_ascii_hexdigit());
    let base64 = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c));
    let bits = entropy(value);
    (hex && bits >= HEX_BITS_PER_CHAR) || (base64 && bits >= BASE64_BITS_PER_CHAR)
}

/// Shannon entropy of the characters of `value`, in bits per character.
pub fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let total = value.chars().count() as f64;
    counts
        .values()
        .map(|&count| {
            let p = count as f64 / total;
            -p * p.log2()
        })
        .sum()
}

fn url_has_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| {
        userinfo
            .split_once(':')
            .is_some_and(|(_, pw)| !pw.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_and_base64_look_random_words_and_paths_do_not() {
        assert!(looks_random(
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        ));
        assert!(looks_random("Zx8kQ2pL9vN4tR7wB1mY6cH3jF0sD5gA"));
        assert!(!looks_random("edge-host-component-cache-2024"));
        assert!(!looks_random("Hello from edge-app"));
        assert!(!looks_random("/tmp/edge-host-cache"));
        assert!(!looks_random("nginxinc/nginx-unprivileged:1.28.0"));
    }

    #[test]
    fn urls_with_passwords_are_told_apart_from_plain_ones() {
        assert!(url_has_password("redis://:hunter2@redis:6379/0"));
        assert!(url_has_password("postgres://app:pw@db/app"));
        assert!(!url_has_password("postgres://app@db/app"));
        assert!(!url_has_password("http://example.test/a@b"));
        assert!(!url_has_password("plain"));
    }

    #[test]
    fn file_variables_are_the_fix_not_the_problem() {
        assert!(names_a_secret("POSTGRES_PASSWORD"));
        assert!(!names_a_secret("POSTGRES_PASSWORD_FILE"));
        assert!(!names_a_secret("APP_MESSAGE"));
    }
}
