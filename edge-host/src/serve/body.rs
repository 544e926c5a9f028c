//! Response bodies, and the request-body cap.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use wasmtime_wasi_http::Error as HttpError;

/// The one body type every response of ours uses (guest responses already have it).
pub type Body = UnsyncBoxBody<Bytes, HttpError>;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A request body that fails once more than `limit` bytes arrive (for bodies without a
/// trustworthy Content-Length; declared lengths over the cap are refused before the guest runs).
pub struct CappedBody {
    inner: Incoming,
    remaining: u64,
    limit: u64,
}

impl CappedBody {
    pub fn new(inner: Incoming, limit: u64) -> CappedBody {
        CappedBody {
            inner,
            remaining: limit,
            limit,
        }
    }
}

impl HttpBody for CappedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let len = data.len() as u64;
                    if len > self.remaining {
                        return Poll::Ready(Some(Err(HttpError::HttpRequestBodySize(Some(
                            self.limit,
                        )))));
                    }
                    self.remaining -= len;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
