//! HTTP/1.1 on one connection of a [`ScriptedServer`](crate::ScriptedServer): read a request
//! (`Content-Length` or chunked body), write a [`Reply`] in its framing.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::RecordedRequest;
use super::reply::{Body, Reply};

/// The largest request head or body read; a larger request ends the connection.
const MAX_REQUEST: usize = 64 * 1024 * 1024;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads more bytes into `buf`; false at end of stream, on an error or past [`MAX_REQUEST`].
async fn fill(sock: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut tmp = [0u8; 16 * 1024];
    match sock.read(&mut tmp).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&tmp[..n]);
            buf.len() <= MAX_REQUEST
        }
    }
}

/// Reads until `buf` holds `needle`; returns where it starts.
async fn until(sock: &mut TcpStream, buf: &mut Vec<u8>, needle: &[u8]) -> Option<usize> {
    loop {
        if let Some(i) = find(buf, needle) {
            return Some(i);
        }
        if !fill(sock, buf).await {
            return None;
        }
    }
}

/// Reads until `buf` holds at least `n` bytes.
async fn at_least(sock: &mut TcpStream, buf: &mut Vec<u8>, n: usize) -> Option<()> {
    while buf.len() < n {
        if n > MAX_REQUEST || !fill(sock, buf).await {
            return None;
        }
    }
    Some(())
}

/// Reads one request; `None` when the client closed the connection or sent something that is
/// not HTTP/1.1. Bytes past the request stay in `buf` for the next one (keep-alive).
pub(crate) async fn read_request(
    sock: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> Option<RecordedRequest> {
    let head_end = until(sock, buf, b"\r\n\r\n").await?;
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
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    let body = if let Some(len) = get("content-length") {
        let len: usize = len.parse().ok()?;
        at_least(sock, buf, len).await?;
        buf.drain(..len).collect()
    } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        loop {
            let line_end = until(sock, buf, b"\r\n").await?;
            let size_field = String::from_utf8_lossy(&buf[..line_end]).into_owned();
            let size_hex = size_field.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_hex, 16).ok()?;
            buf.drain(..line_end + 2);
            at_least(sock, buf, size.checked_add(2)?).await?;
            body.extend(buf.drain(..size));
            buf.drain(..2);
            if size == 0 {
                break;
            }
            if body.len() > MAX_REQUEST {
                return None;
            }
        }
        body
    } else {
        Vec::new()
    };
    Some(RecordedRequest {
        method,
        path,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn head(reply: &Reply, framing: &str) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (k, v) in &reply.headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str(framing);
    h.push_str("\r\n");
    h.into_bytes()
}

/// Writes `bytes` and flushes, then lets the client run, so separate writes arrive apart.
async fn send(sock: &mut TcpStream, bytes: &[u8]) -> bool {
    let ok = sock.write_all(bytes).await.is_ok() && sock.flush().await.is_ok();
    tokio::task::yield_now().await;
    ok
}

/// Writes a reply; returns whether the connection can serve another request.
pub(crate) async fn write_reply(sock: &mut TcpStream, reply: Reply, close: bool) -> bool {
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    match &reply.body {
        Body::Full(body) => {
            let mut framing = format!("content-length: {}\r\n", body.len());
            if close {
                framing.push_str("connection: close\r\n");
            }
            let mut out = head(&reply, &framing);
            out.extend_from_slice(body);
            sock.write_all(&out).await.is_ok() && !close
        }
        Body::Chunks(chunks) => {
            if !send(sock, &head(&reply, "transfer-encoding: chunked\r\n")).await {
                return false;
            }
            for c in chunks {
                let mut out = format!("{:x}\r\n", c.len()).into_bytes();
                out.extend_from_slice(c);
                out.extend_from_slice(b"\r\n");
                if !send(sock, &out).await {
                    return false;
                }
            }
            sock.write_all(b"0\r\n\r\n").await.is_ok() && !close
        }
        Body::UntilClose(parts) => {
            if send(sock, &head(&reply, "connection: close\r\n")).await {
                for p in parts {
                    if !send(sock, p).await {
                        break;
                    }
                }
            }
            let _ = sock.shutdown().await;
            false
        }
        Body::Endless { piece, limit } => {
            if send(sock, &head(&reply, "connection: close\r\n")).await && !piece.is_empty() {
                for _ in 0..limit / piece.len() {
                    if sock.write_all(piece).await.is_err() {
                        break;
                    }
                }
            }
            let _ = sock.shutdown().await;
            false
        }
        Body::Truncated { body, declared } => {
            let mut out = head(&reply, &format!("content-length: {declared}\r\n"));
            out.extend_from_slice(body);
            let _ = sock.write_all(&out).await;
            let _ = sock.shutdown().await;
            false
        }
        Body::Reset => {
            let _ = sock.set_zero_linger();
            false
        }
        Body::Close => {
            let _ = sock.shutdown().await;
            false
        }
    }
}
