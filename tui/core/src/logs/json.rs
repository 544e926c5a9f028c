//! JSON log lines shown pretty or compact.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonStyle {
    /// Show the text exactly as the container printed it.
    #[default]
    Raw,
    Compact,
    Pretty,
}

/// Returns the re-rendered text for JSON object lines, `None` for anything else.
pub fn render_json(text: &str, style: JsonStyle) -> Option<String> {
    if style == JsonStyle::Raw || !text.trim_start().starts_with('{') {
        return None;
    }
    let value: Value = serde_json::from_str(text.trim()).ok()?;
    match style {
        JsonStyle::Pretty => serde_json::to_string_pretty(&value).ok(),
        JsonStyle::Compact => serde_json::to_string(&value).ok(),
        JsonStyle::Raw => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_prints_objects_and_leaves_other_text() {
        let pretty = render_json(r#"{"a":1, "b":"x"}"#, JsonStyle::Pretty).expect("json object");
        assert_eq!(pretty, "{\n  \"a\": 1,\n  \"b\": \"x\"\n}");
        let compact = render_json(r#"{ "a" : 1 }"#, JsonStyle::Compact).expect("json object");
        assert_eq!(compact, r#"{"a":1}"#);
        assert_eq!(render_json("not json", JsonStyle::Pretty), None);
        assert_eq!(render_json(r#"{"a":1}"#, JsonStyle::Raw), None);
        assert_eq!(render_json("{broken", JsonStyle::Pretty), None);
    }
}
