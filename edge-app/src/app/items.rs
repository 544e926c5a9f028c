//! The items API, with a Redis read-through cache for reads by id.

use super::{CACHE_HEADER, Services};
use crate::item::{Item, ItemInput};
use crate::keys;
use crate::pagination::{PageOf, offset, total_pages};
use crate::pg_store::contains_pattern;
use crate::problem::Problem;
use crate::query::ListQuery;
use crate::reply::Reply;

/// `GET /api/items?page=&per_page=&q=`.
pub(super) fn list(query: &ListQuery, services: &mut Services<'_>) -> Reply {
    let pattern = query.search.as_deref().map(contains_pattern);
    let total = match services.items.count(pattern.as_deref()) {
        Ok(total) => total,
        Err(err) => return Problem::from(err).into_reply(),
    };
    let limit = i64::from(query.per_page);
    let start = offset(query.page, query.per_page);
    // Past the last page there is nothing to fetch.
    let items = if start >= total {
        Vec::new()
    } else {
        match services.items.list(pattern.as_deref(), limit, start) {
            Ok(items) => items,
            Err(err) => return Problem::from(err).into_reply(),
        }
    };
    Reply::json(
        200,
        &PageOf {
            items,
            page: query.page,
            per_page: query.per_page,
            total,
            total_pages: total_pages(total, query.per_page),
        },
    )
}

/// `POST /api/items`: 201 with `Location`.
pub(super) fn create(body: &[u8], services: &mut Services<'_>) -> Reply {
    let input = match ItemInput::from_json(body) {
        Ok(input) => input,
        Err(problem) => return problem.into_reply(),
    };
    match services.items.insert(&input) {
        Ok(item) => {
            let location = format!("/api/items/{}", item.id);
            Reply::json(201, &item).header("location", location)
        }
        Err(err) => Problem::from(err).into_reply(),
    }
}

/// How a read by id used the cache.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CacheUse {
    Hit,
    Miss,
    /// Redis unavailable: read straight from Postgres.
    Bypass,
}

impl CacheUse {
    fn word(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Bypass => "bypass",
        }
    }
}

/// `GET /api/items/{id}`: Redis first, then Postgres (and fill Redis).
pub(super) fn get(id: i64, services: &mut Services<'_>) -> Reply {
    let key = keys::item(id);
    let mut cache_use = CacheUse::Miss;
    match services.cache.get(&key) {
        // An entry that does not decode (old format, corruption) counts as a miss.
        Ok(Some(bytes)) => {
            if let Ok(item) = serde_json::from_slice::<Item>(&bytes) {
                return Reply::json(200, &item).header(CACHE_HEADER, CacheUse::Hit.word());
            }
        }
        Ok(None) => {}
        Err(_) => cache_use = CacheUse::Bypass,
    }
    let reply = match services.items.get(id) {
        Ok(Some(item)) => {
            if cache_use == CacheUse::Miss {
                fill_cache(&key, &item, services);
            }
            Reply::json(200, &item)
        }
        Ok(None) => Problem::not_found(format!("item {id} does not exist")).into_reply(),
        Err(err) => Problem::from(err).into_reply(),
    };
    reply.header(CACHE_HEADER, cache_use.word())
}

fn fill_cache(key: &str, item: &Item, services: &mut Services<'_>) {
    if let Ok(bytes) = serde_json::to_vec(item) {
        // A failed fill only costs the next read a trip to Postgres.
        let _ = services
            .cache
            .set_with_ttl(key, &bytes, services.settings.cache_ttl_seconds);
    }
}

/// `PUT /api/items/{id}`: full replacement, then drop the cached copy.
pub(super) fn update(id: i64, body: &[u8], services: &mut Services<'_>) -> Reply {
    let input = match ItemInput::from_json(body) {
        Ok(input) => input,
        Err(problem) => return problem.into_reply(),
    };
    match services.items.update(id, &input) {
        Ok(Some(item)) => {
            invalidate(id, services);
            Reply::json(200, &item)
        }
        Ok(None) => Problem::not_found(format!("item {id} does not exist")).into_reply(),
        Err(err) => Problem::from(err).into_reply(),
    }
}

/// `DELETE /api/items/{id}`: 204, then drop the cached copy.
pub(super) fn delete(id: i64, services: &mut Services<'_>) -> Reply {
    match services.items.delete(id) {
        Ok(true) => {
            invalidate(id, services);
            Reply::empty(204)
        }
        Ok(false) => Problem::not_found(format!("item {id} does not exist")).into_reply(),
        Err(err) => Problem::from(err).into_reply(),
    }
}

/// Removes the cached copy. If Redis is down the entry (if any) expires within
/// the TTL; the write itself already succeeded, so it is not failed for this.
fn invalidate(id: i64, services: &mut Services<'_>) {
    let _ = services.cache.delete(&keys::item(id));
}
