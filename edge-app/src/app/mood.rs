//! Mood of the day: kept in Redis until midnight UTC, mirrored to the
//! key-value store so the last mood still answers while Redis is down.

use super::{CACHE_HEADER, Services};
use crate::calendar::{Date, next_midnight_rfc3339, seconds_until_midnight};
use crate::deps::Dependency;
use crate::keys;
use crate::mood::{MoodRecord, MoodReply, MoodSource, pick};
use crate::problem::Problem;
use crate::reply::Reply;

/// `GET /api/mood`.
pub(super) fn today(services: &mut Services<'_>) -> Reply {
    let now = services.clock.unix_seconds();
    let date = Date::from_unix_seconds(now).to_string();
    let key = keys::mood(Date::from_unix_seconds(now));
    let ttl = seconds_until_midnight(now);

    let mut unreadable = false;
    match services.cache.get(&key) {
        Ok(Some(bytes)) => match serde_json::from_slice::<MoodRecord>(&bytes) {
            Ok(record) => {
                return mood_reply(&record, MoodSource::Cache, now).header(CACHE_HEADER, "hit");
            }
            Err(_) => unreadable = true,
        },
        Ok(None) => {}
        Err(err) => return fallback(services, now, &err.to_string()),
    }

    let chosen = pick(services.seed, &date, None);
    let Ok(encoded) = serde_json::to_vec(&chosen) else {
        return Problem::internal("cannot encode mood").into_reply();
    };
    // NX: when two instances race, the first one's mood wins and both serve it.
    // An unreadable entry is simply replaced.
    let stored = if unreadable {
        services
            .cache
            .set_with_ttl(&key, &encoded, ttl)
            .map(|()| true)
    } else {
        services.cache.set_new_with_ttl(&key, &encoded, ttl)
    };
    match stored {
        Ok(true) => {
            remember(services, &chosen);
            mood_reply(&chosen, MoodSource::New, now).header(CACHE_HEADER, "miss")
        }
        Ok(false) => match services.cache.get(&key) {
            Ok(Some(bytes)) => match serde_json::from_slice::<MoodRecord>(&bytes) {
                Ok(winner) => {
                    mood_reply(&winner, MoodSource::Cache, now).header(CACHE_HEADER, "hit")
                }
                Err(_) => mood_reply(&chosen, MoodSource::New, now).header(CACHE_HEADER, "miss"),
            },
            _ => mood_reply(&chosen, MoodSource::New, now).header(CACHE_HEADER, "miss"),
        },
        Err(err) => fallback(services, now, &err.to_string()),
    }
}

/// `POST /api/mood/refresh`: choose a different mood and replace today's.
pub(super) fn refresh(services: &mut Services<'_>) -> Reply {
    let now = services.clock.unix_seconds();
    let date = Date::from_unix_seconds(now).to_string();
    let key = keys::mood(Date::from_unix_seconds(now));
    let current = match services.cache.get(&key) {
        Ok(bytes) => bytes.and_then(|b| serde_json::from_slice::<MoodRecord>(&b).ok()),
        Err(err) => return Problem::from(err).into_reply(),
    };
    let chosen = pick(
        services.seed,
        &date,
        current.as_ref().map(|r| r.mood.as_str()),
    );
    let Ok(encoded) = serde_json::to_vec(&chosen) else {
        return Problem::internal("cannot encode mood").into_reply();
    };
    if let Err(err) = services
        .cache
        .set_with_ttl(&key, &encoded, seconds_until_midnight(now))
    {
        return Problem::from(err).into_reply();
    }
    remember(services, &chosen);
    mood_reply(&chosen, MoodSource::Refreshed, now)
}

/// `GET /api/mood/last`: the mood kept in the key-value store, as any instance last chose it
/// (the store is shared by every replica when the runtime config puts it on Redis).
pub(super) fn last(services: &mut Services<'_>) -> Reply {
    let now = services.clock.unix_seconds();
    match services.kv.get(keys::LAST_MOOD) {
        Ok(Some(bytes)) => match serde_json::from_slice::<MoodRecord>(&bytes) {
            Ok(record) => mood_reply(&record, MoodSource::KeyValue, now),
            Err(_) => Problem::internal("the kept mood is unreadable").into_reply(),
        },
        Ok(None) => Problem::not_found("no mood has been kept yet").into_reply(),
        Err(err) => Problem::from(err).into_reply(),
    }
}

/// Redis is down: serve the last mood kept in the key-value store, marked
/// stale if it is from an earlier day; with none kept, 503 naming Redis.
fn fallback(services: &mut Services<'_>, now: i64, reason: &str) -> Reply {
    let kept = services
        .kv
        .get(keys::LAST_MOOD)
        .ok()
        .flatten()
        .and_then(|bytes| serde_json::from_slice::<MoodRecord>(&bytes).ok());
    match kept {
        Some(record) => {
            mood_reply(&record, MoodSource::KeyValue, now).header(CACHE_HEADER, "bypass")
        }
        None => Problem::unavailable(
            &[Dependency::Redis],
            format!("{reason}; no earlier mood is kept in the key-value store"),
        )
        .into_reply(),
    }
}

/// Keeps the latest mood in the key-value store (best effort).
fn remember(services: &mut Services<'_>, record: &MoodRecord) {
    if let Ok(bytes) = serde_json::to_vec(record) {
        let _ = services.kv.set(keys::LAST_MOOD, &bytes);
    }
}

fn mood_reply(record: &MoodRecord, source: MoodSource, now: i64) -> Reply {
    let today = Date::from_unix_seconds(now).to_string();
    Reply::json(
        200,
        &MoodReply {
            date: record.date.clone(),
            mood: record.mood.clone(),
            line: record.line.clone(),
            source,
            stale: record.date != today,
            expires_at: next_midnight_rfc3339(now),
            ttl_seconds: seconds_until_midnight(now),
        },
    )
}
