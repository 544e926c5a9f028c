//! The item resource: its JSON shape and the validation of client input.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::problem::Problem;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Fields the server owns; accepted and ignored in input so a fetched item can
/// be sent back with PUT unchanged.
const READ_ONLY_FIELDS: [&str; 3] = ["id", "created_at", "updated_at"];

/// An item as stored and returned (timestamps are RFC 3339 UTC strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Validated client input for POST (create) and PUT (full replacement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInput {
    pub name: String,
    pub description: Option<String>,
}

impl ItemInput {
    /// Parses and validates a JSON body: syntax errors are 400, anything
    /// well-formed but unacceptable is 422 naming the field.
    pub fn from_json(body: &[u8]) -> Result<Self, Problem> {
        let value: Value = serde_json::from_slice(body).map_err(|err| {
            Problem::malformed_json(format!("request body is not valid JSON: {err}"))
        })?;
        let Value::Object(object) = value else {
            return Err(Problem::validation(
                "body",
                "request body must be a JSON object",
            ));
        };
        reject_unknown_fields(&object)?;
        Ok(Self {
            name: name_field(&object)?,
            description: description_field(&object)?,
        })
    }
}

fn reject_unknown_fields(object: &Map<String, Value>) -> Result<(), Problem> {
    let known =
        |key: &str| key == "name" || key == "description" || READ_ONLY_FIELDS.contains(&key);
    match object.keys().find(|key| !known(key)) {
        Some(key) => Err(Problem::validation(key, format!("unknown field {key:?}"))),
        None => Ok(()),
    }
}

fn name_field(object: &Map<String, Value>) -> Result<String, Problem> {
    let name = match object.get("name") {
        None | Some(Value::Null) => return Err(Problem::validation("name", "name is required")),
        Some(Value::String(name)) => name,
        Some(_) => return Err(Problem::validation("name", "name must be a string")),
    };
    if name.trim().is_empty() {
        return Err(Problem::validation(
            "name",
            "name must not be empty or blank",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Problem::validation(
            "name",
            format!("name must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Problem::validation(
            "name",
            "name must not contain control characters",
        ));
    }
    Ok(name.clone())
}

fn description_field(object: &Map<String, Value>) -> Result<Option<String>, Problem> {
    let description = match object.get("description") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text,
        Some(_) => {
            return Err(Problem::validation(
                "description",
                "description must be a string or null",
            ));
        }
    };
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Problem::validation(
            "description",
            format!("description must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    // Postgres text cannot hold NUL; other control characters (newlines, tabs) are fine here.
    if description.contains('\0') {
        return Err(Problem::validation(
            "description",
            "description must not contain NUL characters",
        ));
    }
    Ok(Some(description.clone()))
}

/// Parses an `{id}` path segment: a positive 64-bit integer.
pub fn parse_id(segment: &str) -> Result<i64, Problem> {
    let invalid = || {
        Problem::invalid_parameter(
            "id",
            format!("item id must be a positive integer, got {segment:?}"),
        )
    };
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match segment.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_bodies() {
        let long_name = format!(r#"{{"name":"{}"}}"#, "é".repeat(MAX_NAME_CHARS));
        let cases: &[(&str, &str, Option<&str>)] = &[
            (r#"{"name":"Teapot"}"#, "Teapot", None),
            (r#"{"name":"x","description":null}"#, "x", None),
            (
                r#"{"name":"x","description":"two\nlines"}"#,
                "x",
                Some("two\nlines"),
            ),
            (
                r#"{"name":"'; DROP TABLE items; --"}"#,
                "'; DROP TABLE items; --",
                None,
            ),
            (r#"{"name":"100% _sure_ \\"}"#, "100% _sure_ \\", None),
            (
                r#"{"id":7,"name":"x","created_at":"t","updated_at":"t"}"#,
                "x",
                None,
            ),
            (&long_name, &long_name[9..long_name.len() - 2], None),
        ];
        for (body, name, description) in cases {
            let input = ItemInput::from_json(body.as_bytes()).expect("valid body");
            assert_eq!(input.name, *name, "{body}");
            assert_eq!(input.description.as_deref(), *description, "{body}");
        }
    }

    #[test]
    fn malformed_json_is_400() {
        for body in [
            "",
            "{",
            r#"{"name":"x",}"#,
            "nul",
            r#"{"name":"\ud800"}"#,
            "\u{feff}{}",
        ] {
            let problem = ItemInput::from_json(body.as_bytes()).expect_err("malformed");
            assert_eq!(problem.status(), 400, "{body:?}");
        }
        let deep = "[".repeat(10_000);
        assert_eq!(
            ItemInput::from_json(deep.as_bytes())
                .expect_err("too deep")
                .status(),
            400
        );
        assert_eq!(
            ItemInput::from_json(&[0xff, 0xfe])
                .expect_err("not utf-8")
                .status(),
            400
        );
    }

    #[test]
    fn invalid_values_are_422_naming_the_field() {
        let too_long = format!(r#"{{"name":"{}"}}"#, "a".repeat(MAX_NAME_CHARS + 1));
        let long_description = format!(
            r#"{{"name":"a","description":"{}"}}"#,
            "d".repeat(MAX_DESCRIPTION_CHARS + 1)
        );
        let cases: &[(&str, &str)] = &[
            ("[]", "body"),
            ("42", "body"),
            ("{}", "name"),
            (r#"{"name":null}"#, "name"),
            (r#"{"name":""}"#, "name"),
            (r#"{"name":"   "}"#, "name"),
            (r#"{"name":5}"#, "name"),
            (r#"{"name":"a\u0000b"}"#, "name"),
            (r#"{"name":"a\nb"}"#, "name"),
            (&too_long, "name"),
            (r#"{"name":"a","description":7}"#, "description"),
            (r#"{"name":"a","description":"\u0000"}"#, "description"),
            (&long_description, "description"),
            (r#"{"name":"a","colour":"red"}"#, "colour"),
        ];
        for (body, field) in cases {
            let problem = ItemInput::from_json(body.as_bytes()).expect_err("invalid");
            assert_eq!(problem.status(), 422, "{body}");
            assert_eq!(problem.field.as_deref(), Some(*field), "{body}");
        }
    }

    #[test]
    fn id_segments() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1", Some(1)),
            ("42", Some(42)),
            ("9223372036854775807", Some(i64::MAX)),
            ("9223372036854775808", None),
            ("0", None),
            ("-1", None),
            ("+1", None),
            ("1.0", None),
            ("abc", None),
            ("", None),
            ("1%20", None),
        ];
        for (segment, expected) in cases {
            assert_eq!(parse_id(segment).ok(), *expected, "{segment}");
        }
    }
}
