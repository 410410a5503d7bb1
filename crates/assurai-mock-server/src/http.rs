//! A minimal HTTP/1.1 server loop: keep-alive, `Content-Length` bodies.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::Shared;
use crate::reply::{completion, fnv, judge_content, model_name, target_reply, unit};

const MAX_HEADER: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024 * 1024;

enum Action {
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    Close,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(crate) async fn serve_connection(mut stream: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut tmp = vec![0u8; 16 * 1024];
    loop {
        let header_end = loop {
            if let Some(pos) = find(&buf, b"\r\n\r\n") {
                break pos + 4;
            }
            if buf.len() > MAX_HEADER {
                return Ok(());
            }
            let n = stream.read(&mut tmp).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&tmp[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut content_length = 0usize;
        let mut close = false;
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                let value = value.trim();
                if name == "content-length" {
                    content_length = value.parse().unwrap_or(0);
                } else if name == "connection" && value.eq_ignore_ascii_case("close") {
                    close = true;
                }
            }
        }
        if content_length > MAX_BODY {
            return Ok(());
        }
        while buf.len() < header_end + content_length {
            let n = stream.read(&mut tmp).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&tmp[..n]);
        }
        let body: Vec<u8> = buf[header_end..header_end + content_length].to_vec();
        buf.drain(..header_end + content_length);

        match handle(&shared, &method, &path, &body).await {
            Action::Close => return Ok(()),
            Action::Respond {
                status,
                headers,
                body,
            } => {
                let reason = match status {
                    200 => "OK",
                    400 => "Bad Request",
                    404 => "Not Found",
                    429 => "Too Many Requests",
                    500 => "Internal Server Error",
                    _ => "Service Unavailable",
                };
                let mut out = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                if close {
                    out.push_str("connection: close\r\n");
                }
                out.push_str("\r\n");
                out.push_str(&body);
                stream.write_all(out.as_bytes()).await?;
                if close {
                    return Ok(());
                }
            }
        }
    }
}

fn json_error(status: u16, message: &str) -> Action {
    Action::Respond {
        status,
        headers: Vec::new(),
        body: serde_json::json!({"error": {"message": message, "type": "mock_error"}}).to_string(),
    }
}

/// One chat request being served: its rank among those in flight, released on drop.
struct InFlight<'a>(usize, &'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        Self(shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1, shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.1.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// llama.cpp's `POST /tokenize`: one token (the character's code point) per character of
/// `content`, when [`Faults::tokenize`](crate::Faults::tokenize) is set.
fn tokenize(shared: &Shared, body: &[u8]) -> Action {
    shared.tokenize.fetch_add(1, Ordering::Relaxed);
    let on = shared.faults.lock().map(|f| f.tokenize).unwrap_or(false);
    if !on {
        return json_error(404, "File Not Found");
    }
    let v: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return json_error(400, "the body is not JSON"),
    };
    let Some(content) = v.get("content").and_then(serde_json::Value::as_str) else {
        return json_error(400, "\"content\" must be provided");
    };
    let tokens: Vec<u32> = content.chars().map(u32::from).collect();
    Action::Respond {
        status: 200,
        headers: Vec::new(),
        body: serde_json::json!({ "tokens": tokens }).to_string(),
    }
}

async fn handle(shared: &Shared, method: &str, path: &str, body: &[u8]) -> Action {
    if method == "GET" && path.ends_with("/stats") {
        // Not counted: benchmarks read the counters before and after a run.
        return Action::Respond {
            status: 200,
            headers: Vec::new(),
            body: serde_json::json!({
                "requests": shared.requests.load(Ordering::Relaxed),
                "ok": shared.ok.load(Ordering::Relaxed),
                "faults": shared.fault_count.load(Ordering::Relaxed),
                "judge_faults": shared.judge_fault_count.load(Ordering::Relaxed),
                "blocked": shared.blocked.load(Ordering::Relaxed),
                "over_capacity": shared.over_capacity.load(Ordering::Relaxed),
            })
            .to_string(),
        };
    }
    shared.requests.fetch_add(1, Ordering::Relaxed);
    if shared.down.load(Ordering::SeqCst) {
        return Action::Close;
    }
    if method == "GET" && path.ends_with("/health") {
        return Action::Respond {
            status: 200,
            headers: Vec::new(),
            body: "{\"ok\":true}".into(),
        };
    }
    if method == "POST" && path == "/tokenize" {
        return tokenize(shared, body);
    }
    if method != "POST" || !path.ends_with("/chat/completions") {
        return json_error(404, "only POST /v1/chat/completions is served");
    }
    let faults = match shared.faults.lock() {
        Ok(f) => f.clone(),
        Err(_) => return json_error(500, "server state poisoned"),
    };
    let _slot = InFlight::enter(shared);
    if let Some(cap) = faults.capacity
        && _slot.0 > cap
    {
        shared.over_capacity.fetch_add(1, Ordering::Relaxed);
        return Action::Respond {
            status: 429,
            headers: vec![("retry-after", faults.retry_after_s.to_string())],
            body: "{\"error\":{\"message\":\"server at capacity\",\"type\":\"rate_limit\"}}".into(),
        };
    }
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let hash = fnv(body);
    let any_fault = faults.rate_429
        + faults.rate_5xx
        + faults.rate_reset
        + faults.rate_timeout
        + faults.rate_malformed
        > 0.0;
    if any_fault {
        let attempt = match shared.seen.lock() {
            Ok(mut seen) => {
                let n = seen.entry(hash).or_insert(0);
                *n += 1;
                *n - 1
            }
            Err(_) => 0,
        };
        if attempt < faults.max_faults_per_body {
            let r = unit(hash, u64::from(attempt) + 1);
            let rates = [
                faults.rate_429,
                faults.rate_5xx,
                faults.rate_reset,
                faults.rate_timeout,
                faults.rate_malformed,
            ];
            let mut edge = 0.0;
            let fault = rates.iter().position(|p| {
                edge += p;
                r < edge
            });
            if let Some(kind) = fault {
                shared.fault_count.fetch_add(1, Ordering::Relaxed);
                if model_name(body).is_some_and(|m| m.starts_with("judge")) {
                    shared.judge_fault_count.fetch_add(1, Ordering::Relaxed);
                }
                return match kind {
                    0 => Action::Respond {
                        status: 429,
                        headers: vec![("retry-after", faults.retry_after_s.to_string())],
                        body: "{\"error\":{\"message\":\"rate limited\",\"type\":\"rate_limit\"}}"
                            .into(),
                    },
                    1 => json_error(if hash.is_multiple_of(2) { 500 } else { 503 }, "injected server error"),
                    2 => Action::Close,
                    3 => {
                        tokio::time::sleep(faults.timeout_delay).await;
                        json_error(503, "answered after the injected delay")
                    }
                    _ => Action::Respond {
                        status: 200,
                        headers: Vec::new(),
                        body: "{\"id\":\"chatcmpl-mock\",\"choices\":[{\"index\":0,\"message\":{\"role\""
                            .into(),
                    },
                };
            }
        }
    }
    let Some(model) = model_name(body) else {
        return json_error(400, "the body is not a chat request with a model");
    };
    let content;
    let mut finish = "stop";
    if model.starts_with("judge") {
        content = judge_content(body, faults.judge_echo);
    } else if unit(hash, 0) < faults.rate_blocked {
        shared.blocked.fetch_add(1, Ordering::Relaxed);
        content = String::new();
        finish = "content_filter";
    } else {
        content = match &faults.reply_text {
            Some(text) => text.clone(),
            None => target_reply(body).to_string(),
        };
    }
    shared.ok.fetch_add(1, Ordering::Relaxed);
    Action::Respond {
        status: 200,
        headers: Vec::new(),
        body: completion(&model, &content, finish),
    }
}
