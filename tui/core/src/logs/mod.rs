//! The bounded log store and what the logs panel does to a line: levels, JSON, regex filters.

mod filter;
mod json;
mod level;
mod line;
mod request;
mod store;

pub use filter::{LogFilter, match_ranges};
pub use json::{JsonStyle, render_json};
pub use level::Level;
pub use line::{LogLine, Stream};
pub use request::{RequestTimings, RequestTrace, request_id, trace};
pub use store::LogStore;
