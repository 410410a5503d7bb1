//! [`ScriptedServer`]: canned replies in order, every request recorded (like tower-test's mock
//! or wiremock), for tests that check what a client sends and how it takes each kind of answer.

mod reply;
mod wire;

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use reply::Reply;

/// One request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Every header in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header of this name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

type Handler = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// What answers once the script is used up.
enum Fallback {
    /// `500 {"error":{"message":"script exhausted"}}`.
    Exhausted,
    /// The same reply every time.
    Always(Reply),
    /// A reply made from the request.
    Handler(Handler),
}

struct State {
    script: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Fallback>,
    requests: Mutex<Vec<RecordedRequest>>,
    record: AtomicBool,
}

impl State {
    fn next_reply(&self, request: &RecordedRequest) -> Reply {
        let scripted = self
            .script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        if let Some(reply) = scripted {
            return reply;
        }
        let fallback = self.fallback.lock().unwrap_or_else(PoisonError::into_inner);
        match &*fallback {
            Fallback::Exhausted => Reply::json(500, r#"{"error":{"message":"script exhausted"}}"#),
            Fallback::Always(reply) => reply.clone(),
            Fallback::Handler(handler) => {
                let handler = Arc::clone(handler);
                drop(fallback);
                handler(request)
            }
        }
    }
}

/// An HTTP/1.1 server on 127.0.0.1 that answers a script of canned [`Reply`]s in order and
/// records every request (method, path, headers, body) for assertions.
///
/// Once the script is used up it answers `500 {"error":{"message":"script exhausted"}}`, or the
/// fallback set with [`ScriptedServer::always`] / [`ScriptedServer::respond_with`]. Connections
/// are kept alive; replies can be chunked (SSE), delayed, cut short or no response at all.
///
/// Started inside a tokio runtime, the server runs on that runtime (a test's paused clock
/// applies to [`Reply::delayed`]); started outside one (a plain `#[test]` that runs a
/// subprocess), it runs on a thread of its own. It stops when dropped.
///
/// ```
/// use assurai_mock_server::{Reply, ScriptedServer};
/// use std::io::{Read, Write};
///
/// let server = ScriptedServer::start([Reply::json(200, r#"{"ok":true}"#)])?;
/// let mut conn = std::net::TcpStream::connect(server.addr())?;
/// conn.write_all(b"POST /v1/x HTTP/1.1\r\nhost: t\r\nx-key: 7\r\nconnection: close\r\ncontent-length: 2\r\n\r\nhi")?;
/// let mut answer = String::new();
/// conn.read_to_string(&mut answer)?;
/// assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
/// assert!(answer.ends_with(r#"{"ok":true}"#));
///
/// let seen = server.requests();
/// assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("POST", "/v1/x"));
/// assert_eq!(seen[0].header("X-Key"), Some("7"));
/// assert_eq!(seen[0].body, b"hi");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ScriptedServer {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
}

impl fmt::Debug for ScriptedServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptedServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ScriptedServer {
    /// Starts a server that answers `script` in order, then 500s.
    pub fn start(script: impl IntoIterator<Item = Reply>) -> io::Result<Self> {
        Self::launch(script.into_iter().collect(), Fallback::Exhausted, true)
    }

    /// Starts a server that answers every request with `reply` and records nothing (for
    /// benchmarks and fuzzing, where the list would only grow).
    pub fn always(reply: Reply) -> io::Result<Self> {
        Self::launch(VecDeque::new(), Fallback::Always(reply), false)
    }

    /// Starts a server that answers every request with `handler(request)` and records each one.
    pub fn respond_with(
        handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> io::Result<Self> {
        Self::launch(VecDeque::new(), Fallback::Handler(Arc::new(handler)), true)
    }

    fn launch(script: VecDeque<Reply>, fallback: Fallback, record: bool) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            script: Mutex::new(script),
            fallback: Mutex::new(fallback),
            requests: Mutex::new(Vec::new()),
            record: AtomicBool::new(record),
        });
        let (stop, stopped) = oneshot::channel();
        let serve = accept_loop(listener, Arc::clone(&state), stopped);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(serve);
            }
            Err(_) => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                std::thread::Builder::new()
                    .name(format!("scripted-server-{}", addr.port()))
                    .spawn(move || rt.block_on(serve))?;
            }
        }
        Ok(Self {
            addr,
            state,
            stop: Some(stop),
        })
    }

    /// The server's address on 127.0.0.1.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`, the base URL for an OpenAI-compatible client.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Appends `reply` to the script.
    pub fn push(&self, reply: Reply) {
        self.state
            .script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(reply);
    }

    /// From now on, answers `reply` whenever the script is used up.
    pub fn set_always(&self, reply: Reply) {
        *self
            .state
            .fallback
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Fallback::Always(reply);
    }

    /// Every request received so far (none if started with [`ScriptedServer::always`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock_requests().clone()
    }

    /// Every request received so far, forgetting them.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut *self.lock_requests())
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        self.lock_requests().len()
    }

    fn lock_requests(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Accepts connections until `stopped` fires (or its sender is dropped).
async fn accept_loop(
    listener: std::net::TcpListener,
    state: Arc<State>,
    mut stopped: oneshot::Receiver<()>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                let Ok((sock, _)) = accepted else { continue };
                let _ = sock.set_nodelay(true);
                tokio::spawn(serve_connection(sock, Arc::clone(&state)));
            }
        }
    }
}

async fn serve_connection(mut sock: tokio::net::TcpStream, state: Arc<State>) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    while let Some(request) = wire::read_request(&mut sock, &mut buf).await {
        let reply = state.next_reply(&request);
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if state.record.load(Ordering::Relaxed) {
            state
                .requests
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(request);
        }
        if !wire::write_reply(&mut sock, reply, close).await {
            return;
        }
    }
}

/// A base URL (`http://127.0.0.1:PORT/v1`) where nothing listens, for connection-refused tests:
/// the port was bound and freed a moment ago, and the system does not hand it out again at once.
pub fn refused_base_url() -> io::Result<String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(format!("http://{}/v1", listener.local_addr()?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::time::Duration;

    /// Sends raw `request` bytes on a new connection and reads until the server closes it.
    fn exchange(server: &ScriptedServer, request: &[u8]) -> String {
        let mut conn = std::net::TcpStream::connect(server.addr()).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        conn.write_all(request).unwrap();
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn keep_alive_requests_take_the_script_in_order_then_500() {
        let server = ScriptedServer::start([
            Reply::json(200, "{\"n\":1}"),
            Reply::json(201, "{\"n\":2}").with_header("x-two", "2"),
        ])
        .unwrap();
        let get = "GET /a HTTP/1.1\r\nhost: t\r\n\r\n";
        let last = "GET /c HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n";
        let answer = exchange(&server, format!("{get}{get}{last}").as_bytes());
        // Pipelined answers follow each other directly: split at the status lines.
        let statuses: Vec<&str> = answer.split("HTTP/1.1 ").skip(1).map(|r| &r[..3]).collect();
        assert_eq!(statuses, ["200", "201", "500"], "{answer}");
        assert!(answer.contains("x-two: 2\r\n"), "{answer}");
        assert!(answer.ends_with(r#"{"error":{"message":"script exhausted"}}"#));
        assert_eq!(server.request_count(), 3);
    }

    #[test]
    fn a_chunked_request_body_is_recorded_whole() {
        let server = ScriptedServer::start([Reply::json(200, "{}")]).unwrap();
        exchange(
            &server,
            b"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\nconnection: close\r\n\r\n\
              3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n",
        );
        let seen = server.take_requests();
        assert_eq!(seen[0].body, b"abcdefg");
        assert_eq!(seen[0].header("TRANSFER-ENCODING"), Some("chunked"));
        assert!(server.requests().is_empty(), "take_requests forgets them");
    }

    #[test]
    fn sse_chunks_until_close_and_truncation_are_framed_as_asked() {
        let server = ScriptedServer::start([
            Reply::sse_split("data: a\n\ndata: b\n\n", &[9]),
            Reply::until_close(200, "text/plain", vec![b"he".to_vec(), b"llo".to_vec()]),
            Reply::truncated(200, "{\"a\"", 100),
        ])
        .unwrap();
        let req = b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n";
        let sse = exchange(&server, req);
        assert!(sse.contains("transfer-encoding: chunked\r\n"), "{sse}");
        assert!(
            sse.ends_with("9\r\ndata: a\n\n\r\n9\r\ndata: b\n\n\r\n0\r\n\r\n"),
            "{sse:?}"
        );
        let plain = exchange(&server, req);
        assert!(
            plain.ends_with("connection: close\r\n\r\nhello"),
            "{plain:?}"
        );
        let cut = exchange(&server, req);
        assert!(
            cut.contains("content-length: 100\r\n") && cut.ends_with("{\"a\""),
            "{cut:?}"
        );
    }

    #[test]
    fn a_handler_answers_from_the_request_and_always_records_nothing() {
        let echo = ScriptedServer::respond_with(|r| Reply::json(200, r.path.clone())).unwrap();
        let answer = exchange(&echo, b"GET /echo/me HTTP/1.1\r\nconnection: close\r\n\r\n");
        assert!(answer.ends_with("/echo/me"), "{answer}");
        assert_eq!(echo.request_count(), 1);

        let fixed = ScriptedServer::always(Reply::json(200, "same")).unwrap();
        for _ in 0..2 {
            let answer = exchange(&fixed, b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n");
            assert!(answer.ends_with("same"), "{answer}");
        }
        fixed.set_always(Reply::json(200, "changed"));
        let answer = exchange(&fixed, b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n");
        assert!(answer.ends_with("changed"), "{answer}");
        assert_eq!(fixed.request_count(), 0);
    }

    #[test]
    fn a_reset_sends_nothing_and_a_refused_url_refuses() {
        let server = ScriptedServer::start([Reply::reset()]).unwrap();
        let answer = exchange(&server, b"GET / HTTP/1.1\r\n\r\n");
        assert!(answer.is_empty(), "{answer}");
        let url = refused_base_url().unwrap();
        let addr = url.trim_start_matches("http://").trim_end_matches("/v1");
        assert!(std::net::TcpStream::connect(addr).is_err());
    }
}
