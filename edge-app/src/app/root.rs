//! `GET /`: greeting, visit counter and a one-line view of the dependencies.

use serde::Serialize;

use super::Services;
use crate::keys;
use crate::reply::Reply;

#[derive(Serialize)]
struct Index<'a> {
    message: &'a str,
    /// `null` when Redis is unavailable.
    visits: Option<i64>,
    instance: &'a str,
    profile: &'a str,
    cache: &'static str,
    database: &'static str,
    version: &'static str,
}

pub(super) fn index(services: &mut Services<'_>) -> Reply {
    let visits = services.cache.incr(keys::VISITS).ok();
    let database_ok = services.items.ping().is_ok();
    Reply::json(
        200,
        &Index {
            message: &services.settings.message,
            visits,
            instance: services.instance,
            profile: &services.settings.profile,
            cache: status_word(visits.is_some()),
            database: status_word(database_ok),
            version: env!("CARGO_PKG_VERSION"),
        },
    )
}

/// The status vocabulary shared by `/` and the health endpoints.
pub(super) fn status_word(ok: bool) -> &'static str {
    if ok { "ok" } else { "unavailable" }
}
