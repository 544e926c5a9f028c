//! Secret drift: whether each generated secret still opens the store that keeps a copy of it.
//!
//! compose/prepare writes the secrets once into `env/secrets/`. Postgres keeps its own copy of a
//! role's password in the data volume, set when the volume was initialised, so a second checkout
//! (or a deleted `env/secrets/`) brings new secrets up over a volume that still holds the old
//! ones: the app's login is refused while every container looks healthy. Redis reads its password
//! from the secret file at each start (compose/redis/start-redis) and stores none in its data, so
//! it cannot drift at rest; only a Redis started before the file changed can disagree with it.
//!
//! This module holds the decisions: which secret opens which store and how that is checked, what
//! a check's output means, and what repairs a refusal. The shell runs the checks in the stores'
//! containers.

mod outcome;
mod remedy;

pub use outcome::{Outcome, psql_login_outcome, redis_login_outcome, usable_secret};
pub use remedy::{Remedy, manual_rekey_command, rekey_script};

/// Where compose/prepare keeps the secrets, relative to the project root: the files every
/// per-consumer copy is made from.
pub const SECRETS_DIR: &str = "env/secrets";

/// A store that is opened with a generated secret, by the role label of its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Postgres,
    Redis,
}

impl Store {
    /// The value of `stack-tui.role` on the store's service.
    pub fn role(self) -> &'static str {
        match self {
            Self::Postgres => "database",
            Self::Redis => "cache",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Redis => "redis",
        }
    }
}

/// Who logs in with the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// A Postgres role created by the init script (compose/db/000_app_role.sh).
    PostgresRole(&'static str),
    /// The Postgres superuser, named by the container's `POSTGRES_USER`.
    PostgresSuperuser,
    /// Redis's `requirepass`.
    Redis,
}

/// One secret and the login that proves it still opens its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretCheck {
    /// The file name under [`SECRETS_DIR`].
    pub secret: &'static str,
    pub store: Store,
    pub login: Login,
}

/// Every secret compose/prepare generates that opens a store. `runtime_config.toml` is left out:
/// prepare rebuilds it from `redis_password` whenever that changes.
pub const SECRET_CHECKS: [SecretCheck; 3] = [
    SecretCheck {
        secret: "db_password",
        store: Store::Postgres,
        login: Login::PostgresRole("app"),
    },
    SecretCheck {
        secret: "postgres_password",
        store: Store::Postgres,
        login: Login::PostgresSuperuser,
    },
    SecretCheck {
        secret: "redis_password",
        store: Store::Redis,
        login: Login::Redis,
    },
];

impl SecretCheck {
    /// Whether the store keeps its own copy of the password across restarts: only then can it
    /// fall out of step with the file for good.
    pub fn kept_by_store(&self) -> bool {
        self.store == Store::Postgres
    }

    /// The user the check logs in as; `superuser` is the Postgres container's `POSTGRES_USER`.
    pub fn user<'a>(&self, superuser: &'a str) -> &'a str {
        match self.login {
            Login::PostgresRole(role) => role,
            Login::PostgresSuperuser => superuser,
            Login::Redis => "default",
        }
    }

    /// What brings the store in line with the current secret after it refused it: a Postgres
    /// role is re-keyed (the volume keeps the data), a Redis is started again (it reads the file
    /// at start).
    pub fn remedy(&self, superuser: &str, service: &str) -> Remedy {
        match self.login {
            Login::PostgresRole(_) | Login::PostgresSuperuser => Remedy::ReKey {
                role: self.user(superuser).to_string(),
            },
            Login::Redis => Remedy::Recreate {
                service: service.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_secret_that_opens_a_store_is_checked_once() {
        let names: Vec<&str> = SECRET_CHECKS.iter().map(|c| c.secret).collect();
        assert_eq!(
            names,
            ["db_password", "postgres_password", "redis_password"]
        );
        let roles: Vec<&str> = SECRET_CHECKS.iter().map(|c| c.store.role()).collect();
        assert_eq!(roles, ["database", "database", "cache"]);
    }

    #[test]
    fn postgres_keeps_its_passwords_and_is_re_keyed_redis_is_started_again() {
        let [app, superuser, redis] = SECRET_CHECKS;
        assert!(app.kept_by_store() && superuser.kept_by_store());
        assert!(
            !redis.kept_by_store(),
            "start-redis reads the file at each start"
        );
        assert_eq!(
            app.remedy("postgres", "postgres"),
            Remedy::ReKey { role: "app".into() }
        );
        assert_eq!(
            superuser.remedy("admin", "postgres"),
            Remedy::ReKey {
                role: "admin".into()
            }
        );
        assert_eq!(
            redis.remedy("postgres", "redis"),
            Remedy::Recreate {
                service: "redis".into()
            }
        );
    }
}
