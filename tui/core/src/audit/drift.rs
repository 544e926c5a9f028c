//! Drift: a running container whose security-relevant settings differ from what the profile's
//! files say now (an edit not applied yet, or a container changed by hand).

use super::subject::{Healthcheck, Subject};

/// The differences, as `field: files X, running Y`; empty when the container matches.
pub fn differences(files: &Subject, running: &Subject) -> Vec<String> {
    let mut found = Vec::new();
    let mut compare = |field: &str, want: String, have: String| {
        if want != have {
            found.push(format!("{field}: files {want}, running {have}"));
        }
    };
    // The files may leave the user to the image; only an explicit one can drift.
    if let Some(user) = &files.user {
        compare(
            "user",
            user.clone(),
            running.user.clone().unwrap_or_default(),
        );
    }
    if let Some(image) = &files.image {
        compare(
            "image",
            image.clone(),
            running.image.clone().unwrap_or_default(),
        );
    }
    compare(
        "privileged",
        files.privileged.to_string(),
        running.privileged.to_string(),
    );
    compare(
        "read_only",
        files.read_only.to_string(),
        running.read_only.to_string(),
    );
    compare("cap_add", caps(&files.cap_add), caps(&running.cap_add));
    compare("cap_drop", caps(&files.cap_drop), caps(&running.cap_drop));
    compare(
        "security_opt",
        sorted(&files.security_opt),
        sorted(&running.security_opt),
    );
    compare("tmpfs", sorted(&files.tmpfs), sorted(&running.tmpfs));
    compare("ports", ports(files), ports(running));
    compare(
        "networks",
        sorted(&files.networks),
        sorted(&running.networks),
    );
    compare("restart", restart(files), restart(running));
    compare(
        "memory limit",
        optional(files.limits.memory_bytes),
        optional(running.limits.memory_bytes),
    );
    compare(
        "cpu limit",
        cpus(files.limits.cpus),
        cpus(running.limits.cpus),
    );
    compare(
        "pids limit",
        optional(files.limits.pids),
        optional(running.limits.pids),
    );
    compare(
        "log max-size",
        files
            .logging
            .max_size
            .clone()
            .unwrap_or_else(|| "none".into()),
        running
            .logging
            .max_size
            .clone()
            .unwrap_or_else(|| "none".into()),
    );
    // An image's own HEALTHCHECK applies when the files have none: only a set one can drift.
    if files.healthcheck != Healthcheck::Missing {
        compare(
            "healthcheck",
            format!("{:?}", files.healthcheck).to_lowercase(),
            format!("{:?}", running.healthcheck).to_lowercase(),
        );
    }
    found
}

fn sorted(items: &[String]) -> String {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(" ")
    }
}

fn caps(items: &[String]) -> String {
    sorted(&Subject::normalised_caps(items))
}

fn ports(subject: &Subject) -> String {
    let list: Vec<String> = subject
        .ports
        .iter()
        .filter_map(|port| {
            let host = match port.host_ip.as_str() {
                "" => "0.0.0.0",
                other => other,
            };
            Some(format!("{host}:{}:{}", port.published?, port.target))
        })
        .collect();
    sorted(&list)
}

fn restart(subject: &Subject) -> String {
    match subject.restart.as_deref() {
        None | Some("") => "no".into(),
        Some(policy) => policy.to_string(),
    }
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "none".into(), |v| v.to_string())
}

fn cpus(value: Option<f64>) -> String {
    value.map_or_else(|| "none".into(), |v| format!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matching_container_has_no_drift_and_a_changed_one_names_each_field() {
        let files = Subject {
            user: Some("101:101".into()),
            read_only: true,
            cap_drop: vec!["ALL".into()],
            restart: Some("always".into()),
            ..Subject::default()
        };
        let same = Subject {
            cap_drop: vec!["all".into()],
            ..files.clone()
        };
        assert!(differences(&files, &same).is_empty());
        let changed = Subject {
            user: Some("0".into()),
            read_only: false,
            ..files.clone()
        };
        let found = differences(&files, &changed);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("user: files 101:101, running 0"));
    }
}
