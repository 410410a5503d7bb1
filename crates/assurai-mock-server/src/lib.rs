//! Servers on 127.0.0.1 for tests and benchmarks: a deterministic
//! OpenAI-compatible chat server with fault injection ([`MockServer`]), and a
//! scripted one that answers canned replies and records every request
//! ([`ScriptedServer`]).
//!
//! # `MockServer`
//!
//! [`MockServer`]: start it, point a client at its
//! [`MockServer::base_url`], and every `POST …/chat/completions` gets an
//! answer that depends only on the request body:
//!
//! - a model whose name starts with `judge` answers like a safety judge:
//!   `{"score": N, "rationale": "…"}` with N from 1 to 5;
//! - any other model answers like a target: a Korean refusal or a harmless
//!   compliance, chosen by a hash of the request.
//!
//! `GET …/stats` answers the counters of [`Stats`] as JSON (not counted
//! as a request), so a benchmark can count the calls a run made.
//!
//! [`Faults`] injects 429s (with `Retry-After`), 500/503s, connection
//! resets, delays past a client's timeout, malformed bodies and
//! content-filter blocks at set rates. Whether a request fails is decided by
//! a hash of its body and how often that body was seen, and a body fails at
//! most [`Faults::max_faults_per_body`] times, so a client that retries
//! enough always gets the same final answer as in a fault-free run.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use assurai_mock_server::{Faults, MockServer};
//! let server = MockServer::start(Faults::none()).await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(server.stats().requests, 0);
//! # Ok::<(), std::io::Error>(()) }).unwrap();
//! ```
//!
//! # `ScriptedServer`
//!
//! [`ScriptedServer`] is for tests of one client: it answers a script of
//! [`Reply`]s in order (status, headers, body; chunked SSE, delayed, cut
//! short, reset), then 500s, and keeps every [`RecordedRequest`] (method,
//! path, headers, body) for assertions.
//!
//! ```
//! use assurai_mock_server::{Reply, ScriptedServer};
//! use std::io::{Read, Write};
//!
//! let server = ScriptedServer::start([
//!     Reply::json(429, r#"{"error":{"message":"slow down"}}"#).with_header("retry-after", "1"),
//!     Reply::chat("안녕하세요"),
//! ])?;
//! let mut status_lines = Vec::new();
//! for _ in 0..2 {
//!     let mut conn = std::net::TcpStream::connect(server.addr())?;
//!     conn.write_all(b"POST /v1/chat/completions HTTP/1.1\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}")?;
//!     let mut answer = String::new();
//!     conn.read_to_string(&mut answer)?;
//!     status_lines.push(answer.lines().next().unwrap_or_default().to_string());
//! }
//! assert_eq!(status_lines, ["HTTP/1.1 429 Too Many Requests", "HTTP/1.1 200 OK"]);
//! assert_eq!(server.request_count(), 2);
//! assert_eq!(server.requests()[1].path, "/v1/chat/completions");
//! # Ok::<(), std::io::Error>(())
//! ```

mod http;
mod reply;
mod scripted;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use reply::{judge_score, target_reply};
pub use scripted::{RecordedRequest, Reply, ScriptedServer, refused_base_url};

/// Fault rates (each 0–1) and behaviour of injected faults.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Faults {
    /// Share of requests answered 429 with `Retry-After`.
    pub rate_429: f64,
    /// Share answered 500 or 503.
    pub rate_5xx: f64,
    /// Share whose connection is reset without a response.
    pub rate_reset: f64,
    /// Share answered only after [`Faults::timeout_delay`].
    pub rate_timeout: f64,
    /// Share answered with a truncated, malformed JSON body.
    pub rate_malformed: f64,
    /// Share of target requests blocked by a content filter
    /// (`finish_reason: "content_filter"`); decided per body, every time.
    pub rate_blocked: f64,
    /// The `Retry-After` value of a 429, in seconds.
    pub retry_after_s: u32,
    /// How long a "timeout" fault waits before answering.
    pub timeout_delay: Duration,
    /// A body fails at most this many times; later attempts succeed.
    pub max_faults_per_body: u32,
    /// Delay added to every answer (simulated model latency).
    pub latency: Duration,
    /// When set, every target request is answered with this text instead of
    /// the hash-chosen reply (hostile outputs for security tests).
    pub reply_text: Option<String>,
    /// When set, the judge quotes the model output between the prompt's own
    /// boundary markers before its verdict, as verbose judges do.
    pub judge_echo: bool,
    /// When set, at most this many chat requests are served at once; one more
    /// is answered 429 with `Retry-After` [`Faults::retry_after_s`] at once (a
    /// server with a capacity limit, for adaptive concurrency).
    pub capacity: Option<usize>,
    /// When set, `POST /tokenize` is served as llama.cpp's server does (`{"content": …}` →
    /// `{"tokens": [...]}`), one token per character of `content`; otherwise it is a 404.
    pub tokenize: bool,
}

impl Faults {
    /// No faults and no latency.
    pub fn none() -> Self {
        Self {
            rate_429: 0.0,
            rate_5xx: 0.0,
            rate_reset: 0.0,
            rate_timeout: 0.0,
            rate_malformed: 0.0,
            rate_blocked: 0.0,
            retry_after_s: 0,
            timeout_delay: Duration::from_secs(30),
            max_faults_per_body: 2,
            latency: Duration::ZERO,
            reply_text: None,
            judge_echo: false,
            capacity: None,
            tokenize: false,
        }
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::none()
    }
}

/// Counters of what the server did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// Successful chat answers.
    pub ok: u64,
    /// Injected faults of any kind.
    pub faults: u64,
    /// Of those: faults injected on judge requests (models named `judge…`).
    pub judge_faults: u64,
    /// Content-filter blocks.
    pub blocked: u64,
    /// Requests answered 429 because [`Faults::capacity`] was full.
    pub over_capacity: u64,
    /// `POST /tokenize` requests (answered or not).
    pub tokenize: u64,
}

#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) faults: Mutex<Faults>,
    pub(crate) seen: Mutex<HashMap<u64, u32>>,
    pub(crate) requests: AtomicU64,
    pub(crate) ok: AtomicU64,
    pub(crate) fault_count: AtomicU64,
    pub(crate) judge_fault_count: AtomicU64,
    pub(crate) blocked: AtomicU64,
    pub(crate) over_capacity: AtomicU64,
    pub(crate) tokenize: AtomicU64,
    pub(crate) in_flight: std::sync::atomic::AtomicUsize,
    pub(crate) down: std::sync::atomic::AtomicBool,
}

/// A running server; stops when dropped.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on an ephemeral port of 127.0.0.1.
    pub async fn start(faults: Faults) -> std::io::Result<Self> {
        Self::bind(0, faults).await
    }

    /// Starts a server on `port` of 127.0.0.1 (0 for an ephemeral port).
    pub async fn bind(port: u16, faults: Faults) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            faults: Mutex::new(faults),
            ..Shared::default()
        });
        let s = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let s = Arc::clone(&s);
                tokio::spawn(async move {
                    let _ = http::serve_connection(stream, s).await;
                });
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`, the base URL for an OpenAI-compatible client.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Replaces the fault settings for later requests.
    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut f) = self.shared.faults.lock() {
            *f = faults;
        }
    }

    /// When `down`, every request's connection is closed without an answer.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// What the server did so far.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.shared.requests.load(Ordering::Relaxed),
            ok: self.shared.ok.load(Ordering::Relaxed),
            faults: self.shared.fault_count.load(Ordering::Relaxed),
            judge_faults: self.shared.judge_fault_count.load(Ordering::Relaxed),
            blocked: self.shared.blocked.load(Ordering::Relaxed),
            over_capacity: self.shared.over_capacity.load(Ordering::Relaxed),
            tokenize: self.shared.tokenize.load(Ordering::Relaxed),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
