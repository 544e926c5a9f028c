//! The bounded log store fed in timestamp order, and what the logs panel does to a line: levels,
//! JSON, regex filters, the request a line belongs to.

pub mod ansi;
mod filter;
mod json;
mod level;
mod line;
mod reorder;
mod request;
mod store;
mod when;

pub use filter::{LogFilter, TimeWindow, level_passes, match_ranges, next_min_level};
pub use json::{JsonStyle, render_json};
pub use level::Level;
pub use line::{LogLine, Stream};
pub use reorder::{REORDER_CAP, REORDER_TICK, REORDER_WINDOW, Reorder};
pub use request::{RequestTimings, RequestTrace, request_id, trace};
pub use store::LogStore;
pub use when::parse_when;
