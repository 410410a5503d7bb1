//! A scripted HTTP/1.1 server on 127.0.0.1 for tests and the benchmark.
//!
//! Each request takes the next reply from the script (or the fallback when the script is empty)
//! and is recorded. Replies can be whole, chunked at chosen byte boundaries, delayed, truncated,
//! raw bytes, or a connection reset.
#![allow(dead_code, clippy::unwrap_used, unreachable_pub)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response with `Content-Length`.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A `Transfer-Encoding: chunked` response; each chunk is written and flushed separately.
    Chunks {
        status: u16,
        headers: Vec<(String, String)>,
        chunks: Vec<Vec<u8>>,
    },
    /// Headers promise `declared` bytes, fewer are sent, then the connection closes.
    Truncated {
        status: u16,
        body: Vec<u8>,
        declared: usize,
    },
    /// The connection is reset without a response.
    Reset,
    /// Wait, then send the reply.
    Delay(Duration, Box<Reply>),
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Reply::Full {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Full {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.into(), value.into()));
                Reply::Full {
                    status,
                    headers,
                    body,
                }
            }
            Reply::Chunks {
                status,
                mut headers,
                chunks,
            } => {
                headers.push((name.into(), value.into()));
                Reply::Chunks {
                    status,
                    headers,
                    chunks,
                }
            }
            other => other,
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Reply::Full {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }

    /// An SSE stream cut into chunks at the given byte offsets.
    pub fn sse_split(stream: &str, cuts: &[usize]) -> Self {
        let bytes = stream.as_bytes();
        let mut chunks = Vec::new();
        let mut last = 0;
        let mut cuts: Vec<usize> = cuts.iter().map(|c| (*c).min(bytes.len())).collect();
        cuts.sort_unstable();
        for c in cuts {
            if c > last {
                chunks.push(bytes[last..c].to_vec());
                last = c;
            }
        }
        if last < bytes.len() {
            chunks.push(bytes[last..].to_vec());
        }
        Reply::Chunks {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            chunks,
        }
    }

    pub fn delayed(self, d: Duration) -> Self {
        Reply::Delay(d, Box::new(self))
    }
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone)]
pub struct TestServer {
    pub addr: SocketAddr,
    script: Arc<Mutex<VecDeque<Reply>>>,
    fallback: Arc<Mutex<Option<Reply>>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    record: bool,
}

impl TestServer {
    /// Starts a server that answers with `script`, then with 500s.
    pub async fn start(script: Vec<Reply>) -> Self {
        Self::start_with(script, None, true).await
    }

    /// Starts a server that answers every request with `reply` and records nothing (benchmarks).
    pub async fn always(reply: Reply) -> Self {
        Self::start_with(Vec::new(), Some(reply), false).await
    }

    async fn start_with(script: Vec<Reply>, fallback: Option<Reply>, record: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = TestServer {
            addr: listener.local_addr().unwrap(),
            script: Arc::new(Mutex::new(script.into())),
            fallback: Arc::new(Mutex::new(fallback)),
            requests: Arc::new(Mutex::new(Vec::new())),
            record,
        };
        let s = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    break;
                };
                let _ = sock.set_nodelay(true);
                let s = s.clone();
                tokio::spawn(async move { s.serve(sock).await });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    fn next_reply(&self) -> Reply {
        if let Some(r) = self.script.lock().unwrap().pop_front() {
            return r;
        }
        self.fallback
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(|| Reply::json(500, r#"{"error":{"message":"script exhausted"}}"#))
    }

    async fn serve(&self, mut sock: TcpStream) {
        let mut buf: Vec<u8> = Vec::with_capacity(8192);
        loop {
            let Some(req) = read_request(&mut sock, &mut buf).await else {
                return;
            };
            let reply = self.next_reply();
            if self.record {
                self.requests.lock().unwrap().push(req);
            }
            if !write_reply(&mut sock, reply).await {
                return;
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn fill(sock: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut tmp = [0u8; 16384];
    match sock.read(&mut tmp).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&tmp[..n]);
            true
        }
    }
}

async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Recorded> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        if !fill(sock, buf).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let body = if let Some(len) = get("content-length") {
        let len: usize = len.parse().ok()?;
        while buf.len() < len {
            if !fill(sock, buf).await {
                return None;
            }
        }
        buf.drain(..len).collect()
    } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(buf, b"\r\n") {
                    break i;
                }
                if !fill(sock, buf).await {
                    return None;
                }
            };
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&buf[..line_end]).trim(), 16).ok()?;
            buf.drain(..line_end + 2);
            while buf.len() < size + 2 {
                if !fill(sock, buf).await {
                    return None;
                }
            }
            body.extend(buf.drain(..size));
            buf.drain(..2);
            if size == 0 {
                break;
            }
        }
        body
    } else {
        Vec::new()
    };
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn head(status: u16, headers: &[(String, String)], extra: &str) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str(extra);
    h.push_str("\r\n");
    h.into_bytes()
}

/// Writes a reply; returns whether the connection can be reused.
async fn write_reply(sock: &mut TcpStream, reply: Reply) -> bool {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut out = head(
                status,
                &headers,
                &format!("content-length: {}\r\n", body.len()),
            );
            out.extend_from_slice(&body);
            sock.write_all(&out).await.is_ok()
        }
        Reply::Chunks {
            status,
            headers,
            chunks,
        } => {
            if sock
                .write_all(&head(status, &headers, "transfer-encoding: chunked\r\n"))
                .await
                .is_err()
            {
                return false;
            }
            for c in chunks {
                let mut out = format!("{:x}\r\n", c.len()).into_bytes();
                out.extend_from_slice(&c);
                out.extend_from_slice(b"\r\n");
                if sock.write_all(&out).await.is_err() || sock.flush().await.is_err() {
                    return false;
                }
                tokio::task::yield_now().await;
            }
            sock.write_all(b"0\r\n\r\n").await.is_ok()
        }
        Reply::Truncated {
            status,
            body,
            declared,
        } => {
            let mut out = head(
                status,
                &[("content-type".into(), "application/json".into())],
                &format!("content-length: {declared}\r\n"),
            );
            out.extend_from_slice(&body);
            let _ = sock.write_all(&out).await;
            let _ = sock.shutdown().await;
            false
        }
        Reply::Reset => {
            let _ = sock.set_zero_linger();
            false
        }
        Reply::Delay(d, inner) => {
            tokio::time::sleep(d).await;
            Box::pin(write_reply(sock, *inner)).await
        }
    }
}
