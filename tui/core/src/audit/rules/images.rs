//! Images and logs: what runs is named exactly, and what it prints cannot fill the disk.

use super::Rule;
use crate::audit::finding::Severity;
use crate::audit::subject::{Context, Subject};

pub const RULES: &[Rule] = &[
    Rule {
        id: "image-latest",
        severity: Severity::Medium,
        title: "Image tag `latest` or none",
        reference: "CIS §5.27; dclint service-image-require-explicit-tag",
        rationale: "`latest` names whatever was built or pulled last: profiles overwrite each \
                    other's image and a rebuild changes what a restart runs.",
        fix: "Use an explicit tag (a version, or the profile's name for images built here).",
        check: |subject, _| {
            let image = subject.image.as_deref()?;
            match tag(image) {
                None if !image.contains('@') => Some(format!("{image} has no tag")),
                Some("latest") => Some(format!("image {image}")),
                _ => None,
            }
        },
    },
    Rule {
        id: "image-not-pinned",
        severity: Severity::Low,
        title: "Registry image not pinned by digest",
        reference: "CIS §4.2 (trusted base images)",
        rationale: "A tag can be moved in the registry; only a digest names exactly the bytes \
                    that were reviewed.",
        fix: "Append `@sha256:<digest>` to the image reference (compose keeps the tag readable).",
        check: |subject, _| {
            let image = subject.image.as_deref()?;
            (!subject.built_here && !image.contains("@sha256:")).then(|| format!("image {image}"))
        },
    },
    Rule {
        id: "logging-unbounded",
        severity: Severity::Medium,
        title: "Logs without rotation",
        reference: "Docker docs \"JSON File logging driver\" (max-size)",
        rationale: "json-file keeps every line forever unless `max-size` is set: a chatty \
                    service fills the disk that Postgres writes to.",
        fix: "Set `logging: {driver: json-file, options: {max-size: 10m, max-file: \"3\"}}` \
              (or the `local` driver).",
        check: logging_unbounded,
    },
];

/// The tag of an image reference, ignoring a registry port (`host:5000/app` has no tag).
fn tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':').map(|(_, tag)| tag)
}

fn logging_unbounded(subject: &Subject, _: &Context) -> Option<String> {
    let driver = subject.logging.driver.as_deref();
    let rotates_itself = matches!(
        driver,
        Some("local" | "journald" | "syslog" | "none" | "fluentd" | "gelf" | "awslogs" | "gcplogs")
    );
    if rotates_itself || subject.logging.max_size.is_some() {
        return None;
    }
    Some(match driver {
        None => "no logging options: the daemon's default json-file keeps everything".to_string(),
        Some(driver) => format!("{driver} without max-size"),
    })
}

#[cfg(test)]
mod tests {
    use super::tag;

    #[test]
    fn tags_are_read_past_registry_ports_and_digests() {
        assert_eq!(tag("redis:7.4"), Some("7.4"));
        assert_eq!(tag("localhost:5000/app"), None);
        assert_eq!(tag("localhost:5000/app:1"), Some("1"));
        assert_eq!(tag("app@sha256:abc"), None);
    }
}
