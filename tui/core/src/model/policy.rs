//! What a profile's name means for how stack-tui treats it; the one place that decides it.

/// The profile the CLI and the dashboard use when none is named.
pub const DEFAULT_PROFILE: &str = "local";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfilePolicy {
    /// Its data and uptime matter: hot reload needs --allow-prod, and taking it down with its
    /// volumes asks first.
    pub protected: bool,
    /// The app is served from the host's build (edge-app/ is mounted): an app change is swapped
    /// in by edge-host instead of rebuilding the image and rolling the replicas.
    pub hot_swap: bool,
    /// The profile mounts compose/db/migrations into its migrate service, so a saved migration
    /// is applied by running that service again; otherwise (prod) the image's baked copy runs,
    /// at the next `up`.
    pub live_migrations: bool,
}

impl ProfilePolicy {
    pub fn of(profile: &str) -> Self {
        Self {
            protected: profile == "prod",
            hot_swap: profile == "local",
            live_migrations: profile != "prod",
        }
    }
}

/// Whether `profile` is protected (see [`ProfilePolicy::protected`]).
pub fn is_protected(profile: &str) -> bool {
    ProfilePolicy::of(profile).protected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_prod_is_protected_and_only_local_swaps_the_app() {
        let cases = [
            ("local", false, true, true),
            ("dev", false, false, true),
            ("prod", true, false, false),
            ("staging", false, false, true),
        ];
        for (name, protected, hot_swap, live_migrations) in cases {
            assert_eq!(
                ProfilePolicy::of(name),
                ProfilePolicy {
                    protected,
                    hot_swap,
                    live_migrations,
                },
                "{name}"
            );
        }
    }
}
