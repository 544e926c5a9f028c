//! The one table of Docker event actions the worker acts on: what it does for each, and from the
//! same table the list the engine's event stream is asked for, so the two cannot drift apart.

/// What the worker does when a container of the watched project reports an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reaction {
    /// What an inspect returns may have changed: inspect the container again.
    Inspect,
    /// The process ended: record the exit code from the event at once, then inspect.
    Died,
    /// The container is gone.
    Removed,
    /// Only shown in Activity: `kill` reports a signal sent; if the process ends, `die` follows.
    ShowOnly,
    /// A network action: the project's networks are listed again.
    Networks,
}

/// Every action asked of the engine, with its reaction. `exec_*` (every healthcheck run on the
/// machine, most of the stream) is not asked for.
const REACTIONS: [(&str, Reaction); 16] = [
    ("create", Reaction::Inspect),
    ("start", Reaction::Inspect),
    ("restart", Reaction::Inspect),
    ("stop", Reaction::Inspect),
    ("die", Reaction::Died),
    ("kill", Reaction::ShowOnly),
    ("pause", Reaction::Inspect),
    ("unpause", Reaction::Inspect),
    ("oom", Reaction::Inspect),
    ("rename", Reaction::Inspect),
    ("update", Reaction::Inspect),
    ("health_status", Reaction::Inspect),
    ("destroy", Reaction::Removed),
    ("connect", Reaction::Networks),
    ("disconnect", Reaction::Networks),
    ("remove", Reaction::Networks),
];

/// The actions for the event stream's filter. The engine matches `health_status` by prefix
/// (`health_status: healthy`), and then every other name too, which still keeps `exec_*` out
/// (none is a prefix of an `exec_` action).
pub(super) fn subscribed() -> Vec<String> {
    REACTIONS
        .iter()
        .map(|(action, _)| action.to_string())
        .collect()
}

/// The reaction to a container action, if it is one the worker acts on.
pub(super) fn reaction(action: &str) -> Option<Reaction> {
    REACTIONS
        .iter()
        .find(|(known, _)| {
            action == *known
                || action
                    .strip_prefix(known)
                    .is_some_and(|rest| rest.starts_with(':'))
        })
        .map(|(_, reaction)| *reaction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_map_to_reactions_and_every_one_is_subscribed() {
        let cases = [
            ("start", Some(Reaction::Inspect)),
            ("health_status: unhealthy", Some(Reaction::Inspect)),
            ("die", Some(Reaction::Died)),
            ("destroy", Some(Reaction::Removed)),
            ("kill", Some(Reaction::ShowOnly)),
            ("disconnect", Some(Reaction::Networks)),
            ("exec_start: sh -c redis-cli ping", None),
            ("health_statusx", None),
            ("attach", None),
        ];
        for (action, expected) in cases {
            assert_eq!(reaction(action), expected, "{action}");
        }
        let subscribed = subscribed();
        assert_eq!(subscribed.len(), REACTIONS.len());
        assert!(!subscribed.iter().any(|action| action.starts_with("exec_")));
    }
}
