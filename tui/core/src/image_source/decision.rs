//! Whether `up` may start the current image source over the data volumes that exist, and what
//! the user is told either way.

use super::volumes::DataVolume;
use super::{IMAGES_ENV, ImageSource};
use crate::backup::manifest::POSTGRES_FILE;
use crate::secrets::Store;
use std::fmt::Write as _;

/// What a data volume says about the source that made its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    Source(ImageSource),
    /// No record: the volume was made before stores wrote one (or by hand).
    Missing,
    /// A record that could not be read or names no source; the reason.
    Unknown(String),
}

/// An existing data volume and its record (volumes that do not exist are not listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub volume: DataVolume,
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No data volume exists: the stores make them and record `current`.
    Fresh { current: ImageSource },
    /// No volume names another source; those without a readable record are listed.
    Allowed {
        current: ImageSource,
        recorded: Vec<String>,
        unrecorded: Vec<(String, String)>,
    },
    /// Some volume was made by the other source: nothing may start.
    Refused(Mismatch),
}

/// Volumes made by `recorded` that `up` would open with `current`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub profile: String,
    /// How to invoke stack-tui for the profile (`stack-tui --profile dev`), for the fixes.
    pub cli: String,
    pub recorded: ImageSource,
    pub current: ImageSource,
    pub volumes: Vec<DataVolume>,
}

/// Compares each existing volume's record with the source `up` is about to use.
pub fn decide(profile: &str, cli: &str, current: ImageSource, found: &[Found]) -> Decision {
    if found.is_empty() {
        return Decision::Fresh { current };
    }
    let other: Vec<(DataVolume, ImageSource)> = found
        .iter()
        .filter_map(|f| match f.recorded {
            Recorded::Source(source) if source != current => Some((f.volume.clone(), source)),
            _ => None,
        })
        .collect();
    if let Some((_, recorded)) = other.first() {
        return Decision::Refused(Mismatch {
            profile: profile.to_string(),
            cli: cli.to_string(),
            recorded: *recorded,
            current,
            volumes: other.into_iter().map(|(volume, _)| volume).collect(),
        });
    }
    let mut recorded = Vec::new();
    let mut unrecorded = Vec::new();
    for f in found {
        let name = f.volume.volume.clone();
        match &f.recorded {
            Recorded::Source(_) => recorded.push(name),
            Recorded::Missing => unrecorded.push((name, "no record".to_string())),
            Recorded::Unknown(why) => unrecorded.push((name, why.clone())),
        }
    }
    Decision::Allowed {
        current,
        recorded,
        unrecorded,
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

impl Decision {
    /// The one line `up` prints before going on, when there is something to say.
    pub fn note(&self) -> Option<String> {
        match self {
            Self::Allowed {
                current,
                unrecorded,
                ..
            } if !unrecorded.is_empty() => {
                let names: Vec<String> = unrecorded
                    .iter()
                    .map(|(name, why)| format!("{name} ({why})"))
                    .collect();
                Some(format!(
                    "image source: not checked for {}: made before the stores recorded their \
                     image source; starting {current} over them as asked",
                    list(&names)
                ))
            }
            _ => None,
        }
    }

    /// `doctor`'s line: whether it is a failure, and its text.
    pub fn report(&self) -> (bool, String) {
        match self {
            Self::Fresh { current } => (
                false,
                format!(
                    "image source: {current}; no data volumes yet (each store records the \
                     source when it creates its data)"
                ),
            ),
            Self::Allowed {
                current,
                recorded,
                unrecorded,
            } => {
                let mut text = format!("image source: {current}");
                if !recorded.is_empty() {
                    let _ = write!(text, "; {} made by {current} too", list(recorded));
                }
                if !unrecorded.is_empty() {
                    let names: Vec<String> = unrecorded
                        .iter()
                        .map(|(name, why)| format!("{name} ({why})"))
                        .collect();
                    let _ = write!(
                        text,
                        "; not known for {} (made before the stores recorded it)",
                        list(&names)
                    );
                }
                (false, text)
            }
            Self::Refused(mismatch) => (
                true,
                format!(
                    "{}. Fix: go back with `{}`, or move the data over (`{} up` prints the steps)",
                    mismatch.headline(),
                    mismatch.go_back(),
                    mismatch.cli
                ),
            ),
        }
    }
}

impl Mismatch {
    fn names(&self) -> String {
        let names: Vec<String> = self.volumes.iter().map(|v| v.volume.clone()).collect();
        list(&names)
    }

    /// One line: which volumes, which source made them, which one would start.
    pub fn headline(&self) -> String {
        format!(
            "image source: {} of profile {} made by {}, but `up` would start {} over them",
            self.names(),
            self.profile,
            self.recorded,
            self.current
        )
    }

    fn go_back(&self) -> String {
        format!("STACK_IMAGE_SOURCE={} {} up", self.recorded, self.cli)
    }

    fn holds(&self, store: Store) -> bool {
        self.volumes.iter().any(|v| v.store == store)
    }

    /// Why the data would break, for the stores concerned.
    fn reasons(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        if self.holds(Store::Redis) {
            reasons.push(match self.recorded {
                ImageSource::Upstream => "Redis: 7.0 (standin) cannot load the RDB version 12 \
                    files (the AOF's base) that 7.4 (upstream) wrote, so it fails to start or \
                    loses the data"
                    .to_string(),
                ImageSource::Standin => "Redis: 7.4 (upstream) loads 7.0's files but rewrites \
                    them as RDB version 12 (the AOF's base), which 7.0 cannot read: no way back"
                    .to_string(),
            });
        }
        if self.holds(Store::Postgres) {
            reasons.push(format!(
                "Postgres: the cluster keeps the collation of the C library that initialised it \
                 ({}); {}",
                self.recorded.postgres(),
                match self.recorded {
                    ImageSource::Upstream =>
                        "the standin's glibc has no en_US.utf8, so Postgres \
                        refuses to open the database, and a locale added to make it open would \
                        sort differently, invalidating text indexes",
                    ImageSource::Standin =>
                        "Alpine's musl does not promise glibc's ordering and \
                        case rules, so text indexes built by the standin (items' names) can stop \
                        matching what they index, and nothing reports it",
                }
            ));
        }
        reasons
    }

    /// The steps that carry the data to the current source, as far as backup and restore can.
    fn move_over(&self) -> String {
        let cli = &self.cli;
        let (old, new) = (self.recorded, self.current);
        let mut steps = format!(
            "     1. `{cli} backup` while it runs on {old} (if it is down, start it with the \
             command above first); it prints the backup FOLDER\n     \
             2. `{cli} down -v` (deletes the volumes; prod asks for the profile's name)\n     \
             3. `STACK_IMAGE_SOURCE={new} {cli} up` (new volumes, recorded as {new})\n"
        );
        match old {
            ImageSource::Standin => steps.push_str(&format!(
                "     4. `{cli} restore FOLDER` (Redis 7.4 loads what 7.0 saved; Postgres is \
                 reloaded from its dump, so its indexes are built anew)"
            )),
            ImageSource::Upstream => steps.push_str(&format!(
                "     4. Postgres only: `{cli} compose -- exec -T postgres pg_restore --clean \
                 --if-exists --single-transaction -U postgres -d app < FOLDER/{POSTGRES_FILE}`. \
                 `{cli} restore` refuses this direction (Redis 7.0 cannot read what 7.4 saved), \
                 so Redis (the cache and the key-value store) starts empty"
            )),
        }
        steps
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}:", self.headline())?;
        for volume in &self.volumes {
            writeln!(
                f,
                "  {} ({}, service {}): made by {}",
                volume.volume,
                volume.store.name(),
                volume.service,
                self.recorded
            )?;
        }
        for reason in self.reasons() {
            writeln!(f, "  {reason}.")?;
        }
        writeln!(f, "Nothing was started, stopped or removed. Fix, one of:")?;
        writeln!(
            f,
            "  - go back to {}: `{}` (compose/prepare writes it into {IMAGES_ENV}, so later \
             `up`s keep it)",
            self.recorded,
            self.go_back()
        )?;
        writeln!(f, "  - or move the data over to {}:", self.current)?;
        write!(f, "{}", self.move_over())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(store: Store) -> DataVolume {
        let (service, key) = match store {
            Store::Redis => ("redis", "redis-data"),
            Store::Postgres => ("postgres", "pg-data"),
        };
        DataVolume {
            store,
            service: service.into(),
            volume: format!("stack-dev_{key}"),
        }
    }

    fn found(store: Store, recorded: Recorded) -> Found {
        Found {
            volume: volume(store),
            recorded,
        }
    }

    fn decide_dev(current: ImageSource, found: &[Found]) -> Decision {
        decide("dev", "stack-tui --profile dev", current, found)
    }

    const UP: Recorded = Recorded::Source(ImageSource::Upstream);
    const STANDIN: Recorded = Recorded::Source(ImageSource::Standin);

    #[test]
    fn no_volumes_is_a_fresh_start_and_matching_records_are_allowed() {
        assert_eq!(
            decide_dev(ImageSource::Standin, &[]),
            Decision::Fresh {
                current: ImageSource::Standin
            }
        );
        let same = decide_dev(
            ImageSource::Standin,
            &[
                found(Store::Redis, STANDIN),
                found(Store::Postgres, STANDIN),
            ],
        );
        assert_eq!(same.note(), None);
        let (failed, text) = same.report();
        assert!(!failed);
        assert_eq!(
            text,
            "image source: standin; stack-dev_redis-data, stack-dev_pg-data made by standin too"
        );
    }

    #[test]
    fn volumes_without_a_record_are_allowed_with_a_note_naming_them() {
        let decision = decide_dev(
            ImageSource::Upstream,
            &[
                found(Store::Redis, Recorded::Missing),
                found(Store::Postgres, Recorded::Unknown("no local image".into())),
            ],
        );
        assert!(matches!(decision, Decision::Allowed { .. }));
        let note = decision.note().expect("a note");
        assert!(!note.contains('\n'), "one line: {note}");
        assert!(note.contains("stack-dev_redis-data (no record)"), "{note}");
        assert!(
            note.contains("stack-dev_pg-data (no local image)"),
            "{note}"
        );
        assert!(!decision.report().0);
    }

    #[test]
    fn one_volume_of_the_other_source_refuses_even_beside_an_unrecorded_one() {
        let decision = decide_dev(
            ImageSource::Standin,
            &[
                found(Store::Redis, Recorded::Missing),
                found(Store::Postgres, UP),
            ],
        );
        let Decision::Refused(mismatch) = &decision else {
            panic!("refused expected, got {decision:?}");
        };
        assert_eq!(mismatch.volumes, vec![volume(Store::Postgres)]);
        assert_eq!(mismatch.recorded, ImageSource::Upstream);
        let text = mismatch.to_string();
        assert!(text.contains("Postgres: the cluster"), "{text}");
        assert!(
            !text.contains("Redis: 7.0"),
            "only the refused store: {text}"
        );
        let (failed, line) = decision.report();
        assert!(failed);
        assert!(
            line.contains("go back with `STACK_IMAGE_SOURCE=upstream stack-tui --profile dev up`"),
            "{line}"
        );
    }

    #[test]
    fn standin_data_under_upstream_names_everything_and_the_full_move() {
        let decision = decide_dev(
            ImageSource::Upstream,
            &[
                found(Store::Redis, STANDIN),
                found(Store::Postgres, STANDIN),
            ],
        );
        let Decision::Refused(mismatch) = decision else {
            panic!("refused expected");
        };
        let text = mismatch.to_string();
        for needle in [
            "profile dev",
            "stack-dev_redis-data (redis, service redis): made by standin",
            "stack-dev_pg-data (postgres, service postgres): made by standin",
            "would start upstream",
            "RDB",
            "collation",
            "Nothing was started, stopped or removed",
            "`STACK_IMAGE_SOURCE=standin stack-tui --profile dev up`",
            "`stack-tui --profile dev backup`",
            "`stack-tui --profile dev down -v`",
            "`STACK_IMAGE_SOURCE=upstream stack-tui --profile dev up`",
            "`stack-tui --profile dev restore FOLDER`",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
    }

    #[test]
    fn upstream_data_under_the_standin_says_restore_cannot_carry_redis_back() {
        let decision = decide_dev(
            ImageSource::Standin,
            &[found(Store::Redis, UP), found(Store::Postgres, UP)],
        );
        let Decision::Refused(mismatch) = decision else {
            panic!("refused expected");
        };
        let text = mismatch.to_string();
        assert!(text.contains("RDB version 12"), "{text}");
        assert!(text.contains("en_US.utf8"), "{text}");
        assert!(text.contains("refuses this direction"), "{text}");
        assert!(text.contains("FOLDER/postgres.dump"), "{text}");
        assert!(!text.contains("restore FOLDER`"), "{text}");
    }
}
