//! Which image source made a profile's data, and whether `up` may start the other one over it.
//!
//! compose/prepare picks the images: `upstream` (the pinned Alpine images of env/common.env:
//! Redis 7.4, Postgres 15 on musl) or `standin` (Debian bookworm packages: Redis 7.0, Postgres
//! 15 on glibc). Their data is not interchangeable, and nothing says so when it is mixed:
//! Redis 7.0 cannot load the RDB version 12 files (the AOF's base) that 7.4 writes, and a
//! Postgres cluster keeps the collation of the C library that initialised it (upstream:
//! `en_US.utf8` of musl, which the stand-in's glibc lacks; the stand-in: glibc's `C.UTF-8`, whose
//! ordering and case rules musl does not promise to repeat), so its text indexes stop matching.
//!
//! The record: each store writes [`MARKER_FILE`] at the root of its data volume when it creates
//! the data (compose/redis/start-redis on an empty `/data`, compose/db/001_image_source.sh at
//! Postgres' first initialisation), holding the source it was started from. A file in the volume
//! rather than a volume label: Docker volume labels are fixed at creation and Compose 2.26 keeps
//! an existing volume whatever its labels say, but newer Compose hashes a volume's labels and,
//! when they differ from the file, asks "Recreate (data will be lost)?": a label that follows
//! the image source would turn every switch (and the first `up` after adding it) into an offer
//! to delete the data. The file travels with the data and is read through the Engine API.
//!
//! This module holds the decisions; the shell reads the files and refuses or reports.

mod decision;
mod volumes;

pub use decision::{Decision, Found, Mismatch, Recorded, decide};
pub use volumes::{DataVolume, current_source, data_volumes};

/// The file at the root of a data volume naming the image source that created its data.
pub const MARKER_FILE: &str = "stack-tui-image-source";

/// The label compose.yaml puts on nginx, Redis and Postgres: the source their images come from.
pub const SOURCE_LABEL: &str = "stack-tui.image-source";

/// Where compose/prepare writes its choice (`STACK_IMAGE_SOURCE=…`), relative to the root.
pub const IMAGES_ENV: &str = "env/images.env";

/// Where the images of nginx, Redis and Postgres come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImageSource {
    /// The pinned images named in env/common.env (Alpine, musl).
    Upstream,
    /// The stand-ins built from Debian bookworm packages (glibc).
    Standin,
}

impl ImageSource {
    /// The value of `STACK_IMAGE_SOURCE` (and of a marker file, trimmed).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "upstream" => Some(Self::Upstream),
            "standin" => Some(Self::Standin),
            _ => None,
        }
    }

    /// The source a flip would switch to.
    pub fn other(self) -> Self {
        match self {
            Self::Upstream => Self::Standin,
            Self::Standin => Self::Upstream,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upstream => "upstream",
            Self::Standin => "standin",
        }
    }

    /// The Redis release the source runs, for the refusal's reason.
    pub fn redis(self) -> &'static str {
        match self {
            Self::Upstream => "Redis 7.4",
            Self::Standin => "Redis 7.0",
        }
    }

    /// Postgres and the C library (and so the collation) its initdb used.
    pub fn postgres(self) -> &'static str {
        match self {
            Self::Upstream => "Postgres 15 on Alpine's musl, initdb locale en_US.utf8",
            Self::Standin => "Postgres 15 on Debian's glibc, initdb locale C.UTF-8",
        }
    }
}

impl std::fmt::Display for ImageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_from_their_names_and_nothing_else() {
        assert_eq!(
            ImageSource::parse("upstream\n"),
            Some(ImageSource::Upstream)
        );
        assert_eq!(ImageSource::parse(" standin"), Some(ImageSource::Standin));
        assert_eq!(ImageSource::parse("Standin"), None);
        assert_eq!(ImageSource::parse(""), None);
        assert_eq!(ImageSource::Standin.to_string(), "standin");
    }
}
