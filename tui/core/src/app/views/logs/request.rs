//! The request view (`Enter` on an access line): every buffered line of one request id from every
//! service, in time order, with what nginx and the app measured. Read from the buffer each time,
//! so lines written after it opened (nginx logs after the app answered) join it.

use crate::app::State;
use crate::logs::{RequestTimings, RequestTrace, trace};

/// The open request view's trace, if one is open.
pub fn open_trace(state: &State) -> Option<RequestTrace<'_>> {
    let request = state.log_view.request.as_ref()?;
    Some(trace(&request.id, state.logs.iter()))
}

/// `nginx request_time 0.012 s · upstream_response_time 0.004 s, 0.006 s · app duration_ms
/// 3.25 ms`, naming what was measured; `no timings` when no access line of the request is
/// buffered.
pub fn timings_text(timings: &RequestTimings) -> String {
    timings_parts(timings).join(SEPARATOR)
}

const SEPARATOR: &str = " · ";

/// The timings as rows of at most `width` columns, broken between measures (a measure longer
/// than the row has one to itself).
pub fn timings_rows(timings: &RequestTimings, width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for part in timings_parts(timings) {
        match rows.last_mut() {
            Some(row)
                if row.chars().count() + SEPARATOR.chars().count() + part.chars().count()
                    <= width =>
            {
                row.push_str(SEPARATOR);
                row.push_str(&part);
            }
            _ => rows.push(part),
        }
    }
    rows
}

fn timings_parts(timings: &RequestTimings) -> Vec<String> {
    let list = |values: &[f64], unit: &str| -> String {
        values
            .iter()
            .map(|value| format!("{value} {unit}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if let Some(seconds) = timings.request_time {
        parts.push(format!("nginx request_time {seconds} s"));
    }
    if !timings.upstream_response_times.is_empty() {
        parts.push(format!(
            "upstream_response_time {}",
            list(&timings.upstream_response_times, "s")
        ));
    }
    if !timings.app_duration_ms.is_empty() {
        parts.push(format!(
            "app duration_ms {}",
            list(&timings.app_duration_ms, "ms")
        ));
    }
    if parts.is_empty() {
        parts.push("no timings".into());
    }
    parts
}

/// The request view as copied: a heading with the id and timings, then its lines.
pub fn request_text(state: &State) -> Option<Vec<String>> {
    let request = state.log_view.request.as_ref()?;
    let trace = open_trace(state)?;
    let mut lines = vec![format!(
        "request {} · {}",
        request.id,
        timings_text(&trace.timings)
    )];
    lines.extend(trace.lines.iter().map(|line| super::line_text(line)));
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timings_name_what_was_measured() {
        let timings = RequestTimings {
            request_time: Some(0.012),
            upstream_response_times: vec![0.004, 0.006],
            app_duration_ms: vec![3.25],
        };
        assert_eq!(
            timings_text(&timings),
            "nginx request_time 0.012 s · upstream_response_time 0.004 s, 0.006 s · app duration_ms 3.25 ms"
        );
        assert_eq!(timings_text(&RequestTimings::default()), "no timings");
        assert_eq!(
            timings_rows(&timings, 60),
            [
                "nginx request_time 0.012 s",
                "upstream_response_time 0.004 s, 0.006 s",
                "app duration_ms 3.25 ms"
            ]
        );
        assert_eq!(
            timings_rows(&timings, 70),
            [
                "nginx request_time 0.012 s · upstream_response_time 0.004 s, 0.006 s",
                "app duration_ms 3.25 ms"
            ]
        );
    }
}
