//! Where backups go and what their folders are called.

use chrono::{DateTime, Utc};

/// Backups go here, under the project's root, unless `--out` says otherwise (git-ignored).
pub const DEFAULT_DIR: &str = "backups";

/// `<profile>-<UTC time>`, e.g. `local-20261203T114500Z`: sorts by time within a profile and
/// holds no character a shell or another filesystem would trip on.
pub fn folder_name(profile: &str, created: DateTime<Utc>) -> String {
    format!("{profile}-{}", created.format("%Y%m%dT%H%M%SZ"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn folders_are_named_by_profile_and_utc_time() {
        let at = Utc
            .with_ymd_and_hms(2026, 12, 3, 9, 5, 7)
            .single()
            .expect("a valid time");
        assert_eq!(folder_name("prod", at), "prod-20261203T090507Z");
        let later = folder_name("prod", at + chrono::Duration::seconds(1));
        assert!(later.as_str() > "prod-20261203T090507Z", "{later}");
    }
}
