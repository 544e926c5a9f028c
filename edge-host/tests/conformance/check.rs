//! Compares a response with a test's expectation, as the suite's manifest format defines it:
//! the status; each listed header present with its value (names and values compared without
//! case), unless it is `optional`; no header that is not listed; and the body when one is given.
//! `connection` and `keep-alive` are about the client's connection, not the app's response, so
//! they are not compared.

use crate::suite::Response;
use test_support::http::Response as Received;

const CONNECTION_HEADERS: &[&str] = &["connection", "keep-alive"];

pub fn response(expected: &Response, actual: &Received) -> Result<(), String> {
    let mut problems = Vec::new();
    if actual.status != expected.status {
        problems.push(format!(
            "status {} (expected {})",
            actual.status, expected.status
        ));
    }
    let mut unlisted: Vec<(String, String)> = actual
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .filter(|(k, _)| !CONNECTION_HEADERS.contains(&k.as_str()))
        .collect();
    for header in &expected.headers {
        let name = header.name.to_ascii_lowercase();
        let found = unlisted.iter().position(|(k, _)| *k == name);
        match (found, &header.value) {
            (None, _) if header.optional => {}
            (None, _) => problems.push(format!("header {name} missing")),
            (Some(i), Some(want)) => {
                let (_, got) = unlisted.remove(i);
                if !got.eq_ignore_ascii_case(want) {
                    problems.push(format!("header {name}: {got:?} (expected {want:?})"));
                }
            }
            (Some(i), None) => {
                unlisted.remove(i);
            }
        }
    }
    for (name, value) in unlisted {
        problems.push(format!("unexpected header {name}: {value:?}"));
    }
    if let Some(body) = &expected.body {
        let want = body.bytes();
        if actual.body != want {
            problems.push(format!(
                "body {:?} (expected {:?})",
                String::from_utf8_lossy(&actual.body),
                String::from_utf8_lossy(&want)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        if actual.status >= 500 && !actual.body.is_empty() {
            problems.push(format!("body: {}", actual.text().trim()));
        }
        Err(problems.join("; "))
    }
}
