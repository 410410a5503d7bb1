//! Shared HTTP plumbing: the client handle, error mapping and `Retry-After` parsing.
//!
//! Nothing here is public API except [`HttpClient`], which hides reqwest.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use crate::{ModelError, Secret};

/// A shared HTTP connection pool for providers.
///
/// Cloning is cheap; clones share connections. [`HttpClient::shared`] is one process-wide pool,
/// which is what providers use unless given another.
#[derive(Clone, Debug)]
pub struct HttpClient(pub(crate) reqwest::Client);

impl HttpClient {
    /// A new pool with a 30 s connect timeout and no overall timeout (use the
    /// [`Timeout`](crate::layers::Timeout) layer for per-attempt timeouts).
    ///
    /// # Errors
    /// [`ModelError::Config`] when the TLS backend cannot be initialised.
    pub fn new() -> Result<Self, ModelError> {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(256)
            .build()
            .map(Self)
            .map_err(|e| ModelError::config(format!("cannot build HTTP client: {}", chain(&e))))
    }

    /// The process-wide shared pool.
    ///
    /// # Errors
    /// [`ModelError::Config`] when the TLS backend cannot be initialised.
    pub fn shared() -> Result<Self, ModelError> {
        static SHARED: OnceLock<Result<HttpClient, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::new().map_err(|e| e.to_string()))
            .clone()
            .map_err(ModelError::config)
    }
}

/// The error's message and its sources, without the URL (which may carry a key in its query).
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

/// Maps a failure to send or read a request to a [`ModelError`]; never includes the URL.
pub(crate) fn send_error(err: reqwest::Error, secrets: &[Secret]) -> ModelError {
    let err = err.without_url();
    let message = redact_all(secrets, chain(&err));
    if err.is_builder() {
        ModelError::config(message)
    } else if err.is_connect() {
        ModelError::Transient {
            status: None,
            message: format!("{}{message}", crate::layers::CONNECT_FAILED),
        }
    } else {
        // Includes body read failures (reqwest reports a cut-off body as a decode error): the
        // response was interrupted, so trying again can help.
        ModelError::Transient {
            status: None,
            message,
        }
    }
}

/// A short, redacted description of an error body: the JSON `error.message` if present, else the
/// start of the body.
pub(crate) fn error_message(body: &[u8], secrets: &[Secret]) -> String {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            match e {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Object(_) => {
                    let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
                    let code = e
                        .get("code")
                        .and_then(|c| {
                            c.as_str()
                                .map(str::to_owned)
                                .or_else(|| Some(c.to_string()))
                        })
                        .filter(|c| c != "null");
                    Some(match code {
                        Some(c) if !msg.is_empty() => format!("{c}: {msg}"),
                        Some(c) => c,
                        None => msg.to_owned(),
                    })
                }
                _ => None,
            }
        })
        .unwrap_or_else(|| excerpt(body));
    // Redact first: a cut could otherwise leave the start of a key behind.
    crate::cap_message(redact_all(secrets, message), crate::MAX_ERROR_MESSAGE_BYTES)
}

/// Replaces every secret in `text` with `[REDACTED]`.
pub(crate) fn redact_all(secrets: &[Secret], mut text: String) -> String {
    for s in secrets {
        text = s.redact(&text);
    }
    text
}

/// The first 300 characters of a body, lossily decoded.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(300).collect();
    if text.chars().nth(300).is_some() {
        out.push('…');
    }
    if out.trim().is_empty() {
        out = "<empty body>".to_owned();
    }
    out
}

/// Maps an unsuccessful HTTP status to a [`ModelError`].
pub(crate) fn status_error(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[Secret],
) -> ModelError {
    let message = error_message(body, secrets);
    match status {
        429 => ModelError::RateLimited {
            retry_after: retry_after(headers, SystemTime::now()),
            message,
        },
        401 | 403 => ModelError::Auth { status, message },
        408 | 409 | 425 | 500..=599 => ModelError::Transient {
            status: Some(status),
            message,
        },
        _ => ModelError::BadRequest {
            status: Some(status),
            message,
        },
    }
}

/// The wait a response asks for: `retry-after-ms` (OpenAI), then `Retry-After` in seconds or as
/// an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now))
}

/// Parses a `Retry-After` value: delay seconds (integer or decimal) or an HTTP-date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let cases: &[(&str, Option<Duration>)] = &[
            ("120", Some(Duration::from_secs(120))),
            (" 0 ", Some(Duration::ZERO)),
            ("1.5", Some(Duration::from_millis(1500))),
            ("-3", None),
            ("soon", None),
            (
                "Sun, 06 Nov 1994 08:50:07 GMT",
                Some(Duration::from_secs(30)),
            ),
            ("Sun, 06 Nov 1994 08:00:00 GMT", Some(Duration::ZERO)),
            (
                "Sunday, 06-Nov-94 08:49:47 GMT",
                Some(Duration::from_secs(10)),
            ),
            ("Sun Nov  6 08:49:38 1994", Some(Duration::from_secs(1))),
        ];
        for (value, want) in cases {
            assert_eq!(parse_retry_after(value, now), *want, "{value:?}");
        }
    }

    #[test]
    fn long_error_messages_are_cut_and_say_how_long_they_were() {
        let key = Secret::new("sk-abcdef123456");
        let huge = format!(
            r#"{{"error":{{"message":"bad image data:image/png;base64,{}sk-abcdef123456"}}}}"#,
            "A".repeat(5_000_000)
        );
        let msg = error_message(huge.as_bytes(), &[key]);
        assert!(
            msg.len() <= crate::MAX_ERROR_MESSAGE_BYTES + 100,
            "{}",
            msg.len()
        );
        let whole = "bad image data:image/png;base64,".len() + 5_000_000 + "[REDACTED]".len();
        assert!(
            msg.ends_with(&format!("…[cut: {whole} bytes in all]")),
            "{}",
            &msg[msg.len() - 80..]
        );
        assert!(!msg.contains("sk-abc"));
    }

    #[test]
    fn error_message_is_redacted() {
        let key = Secret::new("sk-abcdef123456");
        let body = br#"{"error":{"message":"Incorrect API key provided: sk-abcdef123456.","code":"invalid_api_key"}}"#;
        let msg = error_message(body, &[key]);
        assert!(!msg.contains("sk-abcdef123456"), "{msg}");
        assert!(msg.contains("invalid_api_key"));
    }
}
