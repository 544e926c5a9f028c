//! `X-Request-Id`: the id nginx (or any proxy) put on a request travels to the guest, back on the
//! response and into the access line, so one request can be followed across services. A request
//! without a usable id gets a fresh one for the guest and the access line, but the response then
//! carries no header Spin would not send (Spin's conformance suite lists every response header).

use http::{HeaderMap, HeaderValue};

pub const HEADER: &str = "x-request-id";

/// Longest id taken from a client; longer ones are replaced (they would bloat every log line).
const MAX_LEN: usize = 128;

/// A request's id, and whether the client (a proxy) supplied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId {
    pub id: String,
    pub supplied: bool,
}

/// The request's id: its own when it is a plain token, else a new random one (32 hex digits,
/// the shape of nginx's `$request_id`). The request then carries the id the guest will see.
pub fn ensure(headers: &mut HeaderMap) -> RequestId {
    if let Some(id) = headers.get(HEADER).and_then(|v| v.to_str().ok())
        && usable(id)
    {
        return RequestId {
            id: id.to_string(),
            supplied: true,
        };
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(HEADER, value);
    }
    RequestId {
        id,
        supplied: false,
    }
}

/// Letters, digits, `-`, `_`, `.` and `:`, 1 to 128 of them: what request ids look like, and
/// nothing that could break a JSON log line or a header.
fn usable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Returns a supplied id on the response, unless the guest set its own.
pub fn answer(headers: &mut HeaderMap, id: &RequestId) {
    if id.supplied
        && !headers.contains_key(HEADER)
        && let Ok(value) = HeaderValue::from_str(&id.id)
    {
        headers.insert(HEADER, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_id_is_kept_and_anything_else_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_static("7f3a-req.1"));
        let kept = ensure(&mut headers);
        assert_eq!((kept.id.as_str(), kept.supplied), ("7f3a-req.1", true));

        for bad in ["", "has space", "quote\"", &"x".repeat(129)] {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(bad) {
                headers.insert(HEADER, value);
            }
            let RequestId { id, supplied } = ensure(&mut headers);
            assert!(!supplied);
            assert_eq!(id.len(), 32, "{bad:?} replaced by a fresh id");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(
                headers.get(HEADER).map(|v| v.as_bytes()),
                Some(id.as_bytes())
            );
        }
        let mut none = HeaderMap::new();
        assert_ne!(
            ensure(&mut none),
            ensure(&mut HeaderMap::new()),
            "fresh ids differ"
        );
    }

    fn supplied(id: &str) -> RequestId {
        RequestId {
            id: id.to_string(),
            supplied: true,
        }
    }

    #[test]
    fn the_guest_may_answer_with_its_own_id() {
        let mut headers = HeaderMap::new();
        answer(&mut headers, &supplied("abc"));
        assert_eq!(headers.get(HEADER).map(|v| v.as_bytes()), Some(&b"abc"[..]));
        answer(&mut headers, &supplied("other"));
        assert_eq!(headers.get(HEADER).map(|v| v.as_bytes()), Some(&b"abc"[..]));
    }

    #[test]
    fn a_generated_id_stays_off_the_response() {
        let mut request = HeaderMap::new();
        let id = ensure(&mut request);
        let mut response = HeaderMap::new();
        answer(&mut response, &id);
        assert!(response.is_empty());
    }
}
