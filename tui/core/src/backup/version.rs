//! Which server may take a backup: the same major version of Postgres (a dump of another major
//! restores with surprises, or not at all), and a Redis of the same major that is not older
//! than the one that saved (an older Redis cannot read a newer RDB format).

/// `major.minor.patch` read from the start of a version string; missing parts are 0. Postgres
/// says `15.14` or `15.14 (Debian 15.14-0+deb12u1)`, Redis `7.0.15`.
pub fn parse(version: &str) -> Option<(u32, u32, u32)> {
    let numeric = version.trim().split([' ', '-', '+']).next()?;
    let mut parts = numeric.split('.').map(str::parse::<u32>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionMismatch {
    #[error(
        "the backup's {server} is {backup} and the running one is {target}: a restore needs the \
         same major version ({backup_major}). Fix: restore into a stack that runs {server} \
         {backup_major} (its image in env/common.env), or dump and load across versions by hand"
    )]
    Major {
        server: &'static str,
        backup: String,
        target: String,
        backup_major: u32,
    },
    #[error(
        "the backup's Redis is {backup} and the running one is {target}, older: an older Redis \
         cannot read what a newer one saved. Fix: run Redis {backup} or newer (REDIS_IMAGE in \
         env/common.env)"
    )]
    OlderRedis { backup: String, target: String },
    #[error("cannot read the {server} version {value:?}")]
    Unreadable { server: &'static str, value: String },
}

fn parsed(server: &'static str, value: &str) -> Result<(u32, u32, u32), VersionMismatch> {
    parse(value).ok_or_else(|| VersionMismatch::Unreadable {
        server,
        value: value.to_string(),
    })
}

/// Postgres: the majors must be equal.
pub fn check_postgres(backup: &str, target: &str) -> Result<(), VersionMismatch> {
    same_major("Postgres", backup, target).map(|_| ())
}

/// Redis: the majors must be equal and the target not older.
pub fn check_redis(backup: &str, target: &str) -> Result<(), VersionMismatch> {
    let (from, to) = same_major("Redis", backup, target)?;
    if to < from {
        return Err(VersionMismatch::OlderRedis {
            backup: backup.to_string(),
            target: target.to_string(),
        });
    }
    Ok(())
}

type Triple = (u32, u32, u32);

fn same_major(
    server: &'static str,
    backup: &str,
    target: &str,
) -> Result<(Triple, Triple), VersionMismatch> {
    let from = parsed(server, backup)?;
    let to = parsed(server, target)?;
    if from.0 != to.0 {
        return Err(VersionMismatch::Major {
            server,
            backup: backup.to_string(),
            target: target.to_string(),
            backup_major: from.0,
        });
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_as_servers_print_them() {
        assert_eq!(parse("15.14"), Some((15, 14, 0)));
        assert_eq!(parse("15.14 (Debian 15.14-0+deb12u1)"), Some((15, 14, 0)));
        assert_eq!(parse("7.0.15"), Some((7, 0, 15)));
        assert_eq!(parse("16beta1"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("x.1"), None);
    }

    #[test]
    fn postgres_needs_the_same_major() {
        assert_eq!(check_postgres("15.14", "15.2 (Debian 15.2-1)"), Ok(()));
        let refused = check_postgres("15.14", "16.4").expect_err("another major");
        let text = refused.to_string();
        assert!(text.contains("Postgres is 15.14"), "{text}");
        assert!(text.contains("running one is 16.4"), "{text}");
        assert!(text.contains("same major version (15)"), "{text}");
        assert!(matches!(
            check_postgres("?", "15"),
            Err(VersionMismatch::Unreadable { .. })
        ));
    }

    #[test]
    fn redis_needs_the_same_major_and_no_older_server() {
        assert_eq!(check_redis("7.0.15", "7.4.2"), Ok(()));
        assert_eq!(check_redis("7.4.2", "7.4.2"), Ok(()));
        assert!(matches!(
            check_redis("7.4.2", "7.0.15"),
            Err(VersionMismatch::OlderRedis { .. })
        ));
        let text = check_redis("7.4.2", "8.0.0")
            .expect_err("major")
            .to_string();
        assert!(text.contains("Redis is 7.4.2"), "{text}");
    }
}
