//! Maps method + path to an endpoint, with every check that needs only the
//! request head: 404, 405 (with `Allow`), bad query/id (400), 415 and 413.

use crate::item::parse_id;
use crate::problem::Problem;
use crate::query::ListQuery;
use crate::request::{MAX_BODY_BYTES, Method, RequestHead, check_declared_length, require_json};

/// What a request asks for, with its parameters parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Root,
    Health,
    Ready,
    Detailed,
    ListItems(ListQuery),
    CreateItem,
    GetItem(i64),
    UpdateItem(i64),
    DeleteItem(i64),
    Mood,
    RefreshMood,
    LastMood,
    /// Computes without end (development profiles only, see `app::debug`).
    Busy,
}

impl Endpoint {
    /// Whether the handler needs the request body (a JSON document).
    pub fn takes_json_body(&self) -> bool {
        matches!(self, Self::CreateItem | Self::UpdateItem(_))
    }
}

/// The addressable paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource<'a> {
    Root,
    Health,
    Ready,
    Detailed,
    Items,
    Item(&'a str),
    Mood,
    MoodRefresh,
    MoodLast,
    Busy,
}

impl Resource<'_> {
    fn allowed(self) -> &'static [Method] {
        match self {
            Self::Root
            | Self::Health
            | Self::Ready
            | Self::Detailed
            | Self::Mood
            | Self::MoodLast
            | Self::Busy => &[Method::Get],
            Self::Items => &[Method::Get, Method::Post],
            Self::Item(_) => &[Method::Get, Method::Put, Method::Delete],
            Self::MoodRefresh => &[Method::Post],
        }
    }
}

fn resource(path: &str) -> Option<Resource<'_>> {
    Some(match path {
        "/" => Resource::Root,
        "/health" => Resource::Health,
        "/health/ready" => Resource::Ready,
        "/health/detailed" => Resource::Detailed,
        "/api/items" => Resource::Items,
        "/api/mood" => Resource::Mood,
        "/api/mood/refresh" => Resource::MoodRefresh,
        "/api/mood/last" => Resource::MoodLast,
        "/api/debug/busy" => Resource::Busy,
        other => {
            let id = other.strip_prefix("/api/items/")?;
            if id.is_empty() || id.contains('/') {
                return None;
            }
            Resource::Item(id)
        }
    })
}

/// Resolves a request head to an endpoint, or the problem to answer with.
pub fn route(head: &RequestHead) -> Result<Endpoint, Problem> {
    let resource = resource(&head.path)
        .ok_or_else(|| Problem::not_found(format!("no resource at {}", head.path)))?;
    let allowed = resource.allowed();
    if !allowed.contains(&head.method) {
        let allow: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        return Err(Problem::method_not_allowed(
            head.method.as_str(),
            &allow.join(", "),
        ));
    }
    let endpoint = match (resource, &head.method) {
        (Resource::Root, _) => Endpoint::Root,
        (Resource::Health, _) => Endpoint::Health,
        (Resource::Ready, _) => Endpoint::Ready,
        (Resource::Detailed, _) => Endpoint::Detailed,
        (Resource::Items, Method::Post) => Endpoint::CreateItem,
        (Resource::Items, _) => Endpoint::ListItems(ListQuery::parse(&head.query)?),
        (Resource::Item(id), Method::Put) => Endpoint::UpdateItem(parse_id(id)?),
        (Resource::Item(id), Method::Delete) => Endpoint::DeleteItem(parse_id(id)?),
        (Resource::Item(id), _) => Endpoint::GetItem(parse_id(id)?),
        (Resource::Mood, _) => Endpoint::Mood,
        (Resource::MoodRefresh, _) => Endpoint::RefreshMood,
        (Resource::MoodLast, _) => Endpoint::LastMood,
        (Resource::Busy, _) => Endpoint::Busy,
    };
    if endpoint.takes_json_body() {
        require_json(head.content_type.as_deref())?;
    }
    check_declared_length(head.content_length.as_deref(), MAX_BODY_BYTES)?;
    Ok(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: Method, target: &str) -> RequestHead {
        let mut head = RequestHead::new(method, target);
        head.content_type = Some("application/json".to_owned());
        head
    }

    #[test]
    fn routes_resolve() {
        use Method::*;
        let cases: Vec<(Method, &str, Endpoint)> = vec![
            (Get, "/", Endpoint::Root),
            (Get, "/health", Endpoint::Health),
            (Get, "/health/ready", Endpoint::Ready),
            (Get, "/health/detailed", Endpoint::Detailed),
            (Post, "/api/items", Endpoint::CreateItem),
            (Get, "/api/items/5", Endpoint::GetItem(5)),
            (Put, "/api/items/5", Endpoint::UpdateItem(5)),
            (Delete, "/api/items/5", Endpoint::DeleteItem(5)),
            (Get, "/api/mood", Endpoint::Mood),
            (Post, "/api/mood/refresh", Endpoint::RefreshMood),
            (Get, "/api/mood/last", Endpoint::LastMood),
            (Get, "/api/debug/busy", Endpoint::Busy),
        ];
        for (method, target, expected) in cases {
            assert_eq!(route(&head(method, target)), Ok(expected), "{target}");
        }
        let list = route(&head(Get, "/api/items?page=2&q=tea")).expect("list route");
        let Endpoint::ListItems(query) = list else {
            panic!("expected a list endpoint, got {list:?}");
        };
        assert_eq!((query.page, query.search.as_deref()), (2, Some("tea")));
    }

    #[test]
    fn errors_from_the_head_alone() {
        use Method::*;
        let cases: Vec<(Method, &str, u16, Option<&str>)> = vec![
            (Get, "/nope", 404, None),
            (Get, "/api/items/", 404, None),
            (Get, "/api/items/1/extra", 404, None),
            (Get, "/health/", 404, None),
            (Post, "/", 405, Some("GET")),
            (Delete, "/api/items", 405, Some("GET, POST")),
            (
                Other("PATCH".into()),
                "/api/items/1",
                405,
                Some("GET, PUT, DELETE"),
            ),
            (Get, "/api/mood/refresh", 405, Some("POST")),
            (Get, "/api/items/abc", 400, None),
            (Delete, "/api/items/0", 400, None),
            (Get, "/api/items?per_page=0", 400, None),
        ];
        for (method, target, status, allow) in cases {
            let problem = route(&head(method, target)).expect_err("must fail");
            assert_eq!(problem.status(), status, "{target}");
            assert_eq!(problem.allow.as_deref(), allow, "{target}");
        }
    }

    #[test]
    fn body_checks_for_json_endpoints() {
        let mut wrong_type = head(Method::Post, "/api/items");
        wrong_type.content_type = Some("text/plain".to_owned());
        assert_eq!(route(&wrong_type).expect_err("415").status(), 415);

        let mut missing_type = head(Method::Put, "/api/items/1");
        missing_type.content_type = None;
        assert_eq!(route(&missing_type).expect_err("415").status(), 415);

        let mut too_big = head(Method::Post, "/api/items");
        too_big.content_length = Some((MAX_BODY_BYTES + 1).to_string());
        assert_eq!(route(&too_big).expect_err("413").status(), 413);

        // Endpoints without a body do not care about its type.
        let mut refresh = head(Method::Post, "/api/mood/refresh");
        refresh.content_type = Some("text/plain".to_owned());
        assert_eq!(route(&refresh), Ok(Endpoint::RefreshMood));
    }
}
