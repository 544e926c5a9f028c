//! RFC 9457 problem details: every error the app returns is one of these.

use serde::Serialize;

use crate::deps::{DepError, Dependency, FailureKind};
use crate::reply::{PROBLEM_JSON, Reply};

/// The kinds of problem the app reports; each has a fixed status, title and type URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    MalformedJson,
    InvalidParameter,
    NotFound,
    MethodNotAllowed,
    BodyTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    DependencyUnavailable,
    DependencyOverloaded,
    Internal,
}

/// `Retry-After` seconds for an overloaded dependency: a pool wait is short, so soon is enough.
pub const OVERLOADED_RETRY_AFTER_SECONDS: u32 = 1;

impl ProblemKind {
    pub fn status(self) -> u16 {
        match self {
            Self::MalformedJson | Self::InvalidParameter => 400,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::BodyTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed => 422,
            Self::Internal => 500,
            Self::DependencyUnavailable | Self::DependencyOverloaded => 503,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::MalformedJson => "Malformed JSON body",
            Self::InvalidParameter => "Invalid request parameter",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::BodyTooLarge => "Request body too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::ValidationFailed => "Validation failed",
            Self::DependencyUnavailable => "Dependency unavailable",
            Self::DependencyOverloaded => "Dependency overloaded",
            Self::Internal => "Internal error",
        }
    }

    /// A stable URN per kind, so clients can switch on `type`.
    pub fn type_uri(self) -> &'static str {
        match self {
            Self::MalformedJson => "urn:stack-tui:problem:malformed-json",
            Self::InvalidParameter => "urn:stack-tui:problem:invalid-parameter",
            Self::NotFound => "urn:stack-tui:problem:not-found",
            Self::MethodNotAllowed => "urn:stack-tui:problem:method-not-allowed",
            Self::BodyTooLarge => "urn:stack-tui:problem:body-too-large",
            Self::UnsupportedMediaType => "urn:stack-tui:problem:unsupported-media-type",
            Self::ValidationFailed => "urn:stack-tui:problem:validation-failed",
            Self::DependencyUnavailable => "urn:stack-tui:problem:dependency-unavailable",
            Self::DependencyOverloaded => "urn:stack-tui:problem:dependency-overloaded",
            Self::Internal => "urn:stack-tui:problem:internal",
        }
    }
}

/// A problem details object plus the extension members the app uses:
/// `field` (the request field or parameter at fault), `dependency` (the first
/// failed dependency) and `dependencies` (all of them, for readiness).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub detail: String,
    pub field: Option<String>,
    pub dependencies: Vec<Dependency>,
    /// Value of the `Allow` header for 405 answers (not part of the body).
    pub allow: Option<String>,
}

/// The JSON body, member names as in RFC 9457.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    type_uri: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dependency: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<&'static str>,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            field: None,
            dependencies: Vec::new(),
            allow: None,
        }
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// Name of the first failed dependency, if any.
    pub fn dependency(&self) -> Option<&'static str> {
        self.dependencies.first().map(|d| d.name())
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::MalformedJson, detail)
    }

    pub fn invalid_parameter(field: &str, detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::InvalidParameter, detail).with_field(field)
    }

    pub fn validation(field: &str, detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::ValidationFailed, detail).with_field(field)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::NotFound, detail)
    }

    pub fn method_not_allowed(method: &str, allow: &str) -> Self {
        let mut problem = Self::new(
            ProblemKind::MethodNotAllowed,
            format!("method {method} is not allowed here; allowed: {allow}"),
        );
        problem.allow = Some(allow.to_owned());
        problem
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            ProblemKind::BodyTooLarge,
            format!("request body exceeds the limit of {limit} bytes"),
        )
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::UnsupportedMediaType, detail).with_field("content-type")
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::Internal, detail)
    }

    /// 503 naming every failed dependency (at least one).
    pub fn unavailable(failed: &[Dependency], detail: impl Into<String>) -> Self {
        let mut problem = Self::new(ProblemKind::DependencyUnavailable, detail);
        problem.dependencies = failed.to_vec();
        problem
    }

    pub fn into_reply(self) -> Reply {
        let body = Body {
            type_uri: self.kind.type_uri(),
            title: self.kind.title(),
            status: self.status(),
            detail: &self.detail,
            field: self.field.as_deref(),
            dependency: self.dependency(),
            dependencies: self.dependencies.iter().map(|d| d.name()).collect(),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| {
            // Only plain strings and numbers are serialised; keep a fallback anyway.
            br#"{"type":"about:blank","title":"Internal error","status":500}"#.to_vec()
        });
        let mut reply = Reply::with_body(self.status(), PROBLEM_JSON, bytes);
        if let Some(allow) = self.allow {
            reply = reply.header("allow", allow);
        }
        if self.kind == ProblemKind::DependencyOverloaded {
            reply = reply.header("retry-after", OVERLOADED_RETRY_AFTER_SECONDS.to_string());
        }
        reply
    }
}

impl From<DepError> for Problem {
    /// A dependency that cannot be reached is a 503 naming it; a dependency
    /// that refused a statement we built is our bug, so 500 (never blamed on input).
    fn from(err: DepError) -> Self {
        match err.kind {
            FailureKind::Unavailable => Self::unavailable(&[err.dependency], format!("{}", err)),
            FailureKind::Overloaded => {
                let mut problem = Self::new(ProblemKind::DependencyOverloaded, format!("{err}"));
                problem.dependencies = vec![err.dependency];
                problem
            }
            FailureKind::Rejected => {
                let mut problem = Self::internal(format!("{err}"));
                problem.dependencies = vec![err.dependency];
                problem
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_status_and_a_urn() {
        let cases = [
            (ProblemKind::MalformedJson, 400),
            (ProblemKind::InvalidParameter, 400),
            (ProblemKind::NotFound, 404),
            (ProblemKind::MethodNotAllowed, 405),
            (ProblemKind::BodyTooLarge, 413),
            (ProblemKind::UnsupportedMediaType, 415),
            (ProblemKind::ValidationFailed, 422),
            (ProblemKind::Internal, 500),
            (ProblemKind::DependencyUnavailable, 503),
            (ProblemKind::DependencyOverloaded, 503),
        ];
        for (kind, status) in cases {
            assert_eq!(kind.status(), status, "{kind:?}");
            assert!(kind.type_uri().starts_with("urn:stack-tui:problem:"));
        }
    }

    #[test]
    fn reply_is_problem_json_with_members() {
        let reply = Problem::validation("name", "name must not be empty").into_reply();
        assert_eq!(reply.status, 422);
        assert_eq!(reply.header_value("content-type"), Some(PROBLEM_JSON));
        let body = reply.json_body().expect("problem body is JSON");
        assert_eq!(body["status"], 422);
        assert_eq!(body["field"], "name");
        assert_eq!(body["title"], "Validation failed");
        assert_eq!(body["type"], "urn:stack-tui:problem:validation-failed");
        assert!(body.get("dependency").is_none());
    }

    #[test]
    fn method_not_allowed_carries_allow_header() {
        let reply = Problem::method_not_allowed("PATCH", "GET, POST").into_reply();
        assert_eq!(reply.status, 405);
        assert_eq!(reply.header_value("allow"), Some("GET, POST"));
        assert!(reply.json_body().expect("json").get("allow").is_none());
    }

    #[test]
    fn dependency_errors_map_to_503_or_500() {
        let down = DepError::unavailable(Dependency::Postgres, "connection refused");
        let problem = Problem::from(down);
        assert_eq!(problem.status(), 503);
        assert_eq!(problem.dependency(), Some("postgres"));
        assert_eq!(problem.dependencies, vec![Dependency::Postgres]);

        let rejected = DepError::rejected(Dependency::Postgres, "42P01 relation does not exist");
        assert_eq!(Problem::from(rejected).status(), 500);
    }

    #[test]
    fn an_overloaded_dependency_is_a_503_with_retry_after_and_its_own_type() {
        let busy = DepError::overloaded(Dependency::Postgres, "connection pool exhausted (53300)");
        let reply = Problem::from(busy).into_reply();
        assert_eq!(reply.status, 503);
        assert_eq!(reply.header_value("retry-after"), Some("1"));
        let body = reply.json_body().expect("json");
        assert_eq!(body["type"], "urn:stack-tui:problem:dependency-overloaded");
        assert_eq!(body["dependency"], "postgres");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("overloaded") && d.contains("pool exhausted")),
            "{body}"
        );

        let down = DepError::unavailable(Dependency::Postgres, "connection refused");
        assert_eq!(
            Problem::from(down).into_reply().header_value("retry-after"),
            None
        );
    }
}
