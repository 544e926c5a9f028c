//! `{{ name }}` templates as used in `allowed_outbound_hosts` and component variables.

use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("template {0:?} has an unclosed `{{{{`")]
    Unclosed(String),
    #[error(
        "template {template:?} refers to variable {name:?}, which is not defined in [variables]"
    )]
    Undefined { template: String, name: String },
}

/// Replaces every `{{ name }}` in `text` with the value of the application variable `name`.
pub fn expand(text: &str, values: &BTreeMap<String, String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| TemplateError::Unclosed(text.to_string()))?;
        let name = after[..end].trim();
        let value = values.get(name).ok_or_else(|| TemplateError::Undefined {
            template: text.to_string(),
            name: name.to_string(),
        })?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}
