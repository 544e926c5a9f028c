//! The `spin-*` request headers Spin gives components, computed from the matched route.

use std::net::SocketAddr;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::manifest::RouteMatch;

/// Everything needed to fill in the headers for one request.
pub struct RequestInfo<'a> {
    pub route: &'a RouteMatch,
    pub full_url: &'a str,
    pub base: &'a str,
    pub client: SocketAddr,
}

fn set(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
        headers.insert(name, value);
    }
}

/// Removes any `spin-*` header the client sent (a client must not spoof them), then adds ours.
pub fn apply(headers: &mut HeaderMap, info: &RequestInfo<'_>) {
    let spoofed: Vec<HeaderName> = headers
        .keys()
        .filter(|k| k.as_str().starts_with("spin-"))
        .cloned()
        .collect();
    for name in spoofed {
        headers.remove(name);
    }
    let m = info.route;
    set(headers, "spin-full-url", info.full_url);
    set(headers, "spin-path-info", &m.path_info);
    set(headers, "spin-matched-route", &m.raw_route);
    set(headers, "spin-raw-component-route", &m.raw_route);
    set(headers, "spin-component-route", &m.component_route);
    set(headers, "spin-base-path", info.base);
    set(headers, "spin-client-addr", &info.client.to_string());
    for (name, value) in &m.params {
        // Spin's header name for `:path_segment` is `spin-path-match-path-segment`.
        let name = name.to_ascii_lowercase().replace('_', "-");
        set(headers, &format!("spin-path-match-{name}"), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Route, Router};

    #[test]
    fn headers_describe_the_match_and_replace_spoofed_ones() {
        let router = Router::new(vec![
            Route::parse("/users/:id/:post_id/...", "c").expect("route"),
        ]);
        let m = router.route("/users/7/9/posts").expect("matches");
        let mut headers = HeaderMap::new();
        headers.insert("spin-path-info", HeaderValue::from_static("/evil"));
        headers.insert("spin-anything", HeaderValue::from_static("x"));
        let client: SocketAddr = "127.0.0.1:5555".parse().expect("addr");
        apply(
            &mut headers,
            &RequestInfo {
                route: &m,
                full_url: "http://h/users/7/9/posts?x=1",
                base: "/",
                client,
            },
        );
        assert_eq!(headers["spin-path-info"], "/posts");
        assert_eq!(headers["spin-matched-route"], "/users/:id/:post_id/...");
        assert_eq!(headers["spin-component-route"], "/users/:id/:post_id");
        assert_eq!(headers["spin-path-match-id"], "7");
        assert_eq!(headers["spin-path-match-post-id"], "9");
        assert_eq!(headers["spin-client-addr"], "127.0.0.1:5555");
        assert_eq!(headers["spin-full-url"], "http://h/users/7/9/posts?x=1");
        assert!(!headers.contains_key("spin-anything"));
    }
}
