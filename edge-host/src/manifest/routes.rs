//! Spin HTTP routing: exact routes beat wildcards, then the longest prefix wins.
//!
//! A route is a sequence of segments: literal text, `:name` (one segment, captured), and an optional
//! trailing `/...` that matches the rest of the path (including nothing).

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// One `[[trigger.http]]` route.
#[derive(Debug, Clone)]
pub struct Route {
    /// The route as written in the manifest (`spin-raw-component-route`).
    pub raw: String,
    pub component: String,
    segments: Vec<Segment>,
    wildcard: bool,
}

/// The result of matching a request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    /// The route as written (`spin-matched-route`, `spin-raw-component-route`).
    pub raw_route: String,
    /// The route without its trailing `/...` (`spin-component-route`).
    pub component_route: String,
    /// The part of the path the wildcard matched, starting with `/`, or empty.
    pub path_info: String,
    /// `:name` captures, in route order.
    pub params: Vec<(String, String)>,
}

impl Route {
    /// Parses a manifest route such as `/api/items/:id` or `/static/...`.
    pub fn parse(raw: &str, component: &str) -> Result<Route, String> {
        if !raw.starts_with('/') {
            return Err("a route must start with `/`".to_string());
        }
        let (body, wildcard) = match raw.strip_suffix("/...") {
            Some(body) => (body, true),
            None if raw == "..." => ("", true),
            None => (raw, false),
        };
        let mut segments = Vec::new();
        for part in body.split('/').filter(|p| !p.is_empty()) {
            if part == "..." {
                return Err("`...` is only allowed as the last segment".to_string());
            }
            match part.strip_prefix(':') {
                Some("") => return Err("a `:` segment needs a name".to_string()),
                Some(name) => segments.push(Segment::Param(name.to_string())),
                None => segments.push(Segment::Literal(part.to_string())),
            }
        }
        Ok(Route {
            raw: raw.to_string(),
            component: component.to_string(),
            segments,
            wildcard,
        })
    }

    /// Orders candidates: exact over wildcard, then more segments, then more literal segments.
    fn rank(&self) -> (bool, usize, usize) {
        let literals = self
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        (!self.wildcard, self.segments.len(), literals)
    }

    fn matches(&self, path: &str) -> Option<RouteMatch> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() < self.segments.len()
            || (!self.wildcard && parts.len() != self.segments.len())
        {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(&parts) {
            match segment {
                Segment::Literal(lit) if lit == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => params.push((name.clone(), (*part).to_string())),
            }
        }
        let path_info = if self.wildcard {
            tail_after_segments(path, self.segments.len())
        } else {
            String::new()
        };
        let component_route = self
            .raw
            .strip_suffix("/...")
            .unwrap_or(&self.raw)
            .to_string();
        Some(RouteMatch {
            component: self.component.clone(),
            raw_route: self.raw.clone(),
            component_route,
            path_info,
            params,
        })
    }
}

/// The rest of `path` after skipping `count` non-empty segments, keeping its leading `/`.
fn tail_after_segments(path: &str, count: usize) -> String {
    let mut rest = path;
    for _ in 0..count {
        rest = rest.trim_start_matches('/');
        rest = rest.find('/').map_or("", |i| &rest[i..]);
    }
    rest.to_string()
}

/// All routes of the application, ordered so the first match is the winner.
#[derive(Debug, Clone, Default)]
pub struct Router {
    routes: Vec<Route>,
}

impl Router {
    pub fn new(mut routes: Vec<Route>) -> Router {
        // Stable sort: among equal ranks the manifest's order decides.
        routes.sort_by_key(|r| std::cmp::Reverse(r.rank()));
        Router { routes }
    }

    /// Finds the route for a request path (without query string).
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        self.routes.iter().find_map(|r| r.matches(path))
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}
