//! Debug routes, served only in the stack's development profiles (local and dev; the SpinKube
//! export runs as prod): `GET /api/debug/busy` computes without end and never calls the host,
//! so that the host's request deadline, and whether one runaway request slows the others, can
//! be tried against the running stack (the `app-guest-cpu-loop` drill). Anywhere else the path
//! does not exist (404).

use super::Services;
use crate::problem::Problem;
use crate::reply::Reply;

/// The profiles that serve the debug routes.
const DEBUG_PROFILES: &[&str] = &["local", "dev"];

pub fn enabled(profile: &str) -> bool {
    DEBUG_PROFILES.contains(&profile)
}

/// Computes until the host stops the request at its deadline.
pub fn busy(services: &Services<'_>) -> Reply {
    if !enabled(&services.settings.profile) {
        return Problem::not_found("no resource at /api/debug/busy").into_reply();
    }
    let mut count: u64 = 0;
    loop {
        count = std::hint::black_box(count.wrapping_add(1));
    }
}
