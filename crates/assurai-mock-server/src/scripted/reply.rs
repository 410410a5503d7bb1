//! One canned reply of a [`ScriptedServer`](crate::ScriptedServer).

use std::time::Duration;

/// What a [`ScriptedServer`](crate::ScriptedServer) answers to one request.
///
/// A reply is a status, headers and a body sent one of several ways (whole with
/// `Content-Length`, chunked, until the connection closes, cut short), or no response at all
/// ([`Reply::reset`], [`Reply::close`]); [`Reply::delayed`] waits before sending any of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
    pub(crate) delay: Duration,
}

/// How the body goes on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// The whole body with `Content-Length`.
    Full(Vec<u8>),
    /// `Transfer-Encoding: chunked`, each chunk written and flushed on its own.
    Chunks(Vec<Vec<u8>>),
    /// No length: the parts are written and flushed one by one, then the connection closes.
    UntilClose(Vec<Vec<u8>>),
    /// No length: `piece` is written again and again until the client leaves or `limit` bytes
    /// have gone, then the connection closes.
    Endless { piece: Vec<u8>, limit: usize },
    /// `Content-Length: declared`, fewer bytes sent, then the connection closes.
    Truncated { body: Vec<u8>, declared: usize },
    /// The connection is reset (RST) without a response.
    Reset,
    /// The connection is closed (FIN) without a response.
    Close,
}

impl Reply {
    fn with_body(status: u16, content_type: &str, body: Body) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
            delay: Duration::ZERO,
        }
    }

    /// A whole `application/json` body (any `Display`: a `&str`, or a `serde_json::Value`).
    pub fn json(status: u16, body: impl std::fmt::Display) -> Self {
        Self::bytes(status, "application/json", body.to_string())
    }

    /// A whole body of the given content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::with_body(status, content_type, Body::Full(body.into()))
    }

    /// An OpenAI chat completion (`200`) whose one choice says `content`, finished with `stop`.
    pub fn chat(content: &str) -> Self {
        Self::json(200, crate::reply::completion("mock", content, "stop"))
    }

    /// A chunked body of the given content type; each chunk is written and flushed on its own.
    pub fn chunks(status: u16, content_type: &str, chunks: Vec<Vec<u8>>) -> Self {
        Self::with_body(status, content_type, Body::Chunks(chunks))
    }

    /// A `text/event-stream` (status 200), chunked and cut at the given byte offsets.
    pub fn sse_split(stream: &str, cuts: &[usize]) -> Self {
        let bytes = stream.as_bytes();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| (*c).min(bytes.len())).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut last = 0;
        for c in cuts {
            if c > last {
                chunks.push(bytes[last..c].to_vec());
                last = c;
            }
        }
        if last < bytes.len() {
            chunks.push(bytes[last..].to_vec());
        }
        Self::chunks(200, "text/event-stream", chunks)
    }

    /// A body without a length, framed by closing the connection: each part is written and
    /// flushed on its own (so a client sees the parts arrive apart), then the server closes.
    pub fn until_close(status: u16, content_type: &str, parts: Vec<Vec<u8>>) -> Self {
        Self::with_body(status, content_type, Body::UntilClose(parts))
    }

    /// A body without a length that does not end: `piece` is written again and again until the
    /// client goes away or `limit` bytes have been sent (so a client without a cap fails by
    /// time-out, not by memory).
    pub fn endless(status: u16, content_type: &str, piece: Vec<u8>, limit: usize) -> Self {
        Self::with_body(status, content_type, Body::Endless { piece, limit })
    }

    /// Headers promising `declared` body bytes, then only `body`, then the connection closes.
    pub fn truncated(status: u16, body: impl Into<Vec<u8>>, declared: usize) -> Self {
        Self::with_body(
            status,
            "application/json",
            Body::Truncated {
                body: body.into(),
                declared,
            },
        )
    }

    /// No response: the connection is reset.
    pub fn reset() -> Self {
        Self {
            status: 0,
            headers: Vec::new(),
            body: Body::Reset,
            delay: Duration::ZERO,
        }
    }

    /// No response: the connection is closed.
    pub fn close() -> Self {
        Self {
            body: Body::Close,
            ..Self::reset()
        }
    }

    /// The same reply with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same reply, sent only after waiting `delay` (on tokio's clock) more.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay += delay;
        self
    }

    /// The reply's status code (0 for [`Reply::reset`] and [`Reply::close`]).
    pub fn status(&self) -> u16 {
        self.status
    }
}
