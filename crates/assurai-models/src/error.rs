//! [`ModelError`]: everything that can go wrong while asking a model, grouped by what to do next.

use std::time::Duration;

/// The error type of every [`TargetModel`](crate::TargetModel), [`Transcriber`](crate::Transcriber)
/// and layer in this crate.
///
/// Variants are grouped by what the caller can do about them; [`ModelError::kind`] gives the group
/// as a plain value and [`ModelError::is_retryable`] says whether trying again can help.
///
/// A provider refusing to generate is **not** an error: it is
/// [`Output::Blocked`](crate::Output::Blocked). Messages never contain API keys: providers redact
/// them, and no variant holds an HTTP client's error type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A temporary failure (HTTP 5xx, connection reset, closed stream): retry later.
    #[error("transient failure: {message}")]
    Transient {
        /// HTTP status, when the server answered.
        status: Option<u16>,
        /// What happened.
        message: String,
    },
    /// The server asked us to slow down (HTTP 429): retry after `retry_after` if it said so.
    #[error("rate limited{}: {message}", fmt_retry_after(*.retry_after))]
    RateLimited {
        /// The server's `Retry-After`, converted to a duration from now.
        retry_after: Option<Duration>,
        /// What the server said.
        message: String,
    },
    /// One attempt took longer than the configured per-attempt timeout: retry.
    #[error("attempt timed out after {after:?}")]
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// The request was rejected as invalid (HTTP 400, 404, 413, 422): fix the request; do not retry.
    #[error("bad request{}: {message}", fmt_status(*.status))]
    BadRequest {
        /// HTTP status, when the server answered.
        status: Option<u16>,
        /// What the server said.
        message: String,
    },
    /// The client is misconfigured (bad spec string, missing environment variable, bad URL): fix
    /// the configuration.
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// The credentials were rejected (HTTP 401/403): fix the API key.
    #[error("authentication failed (HTTP {status}): {message}")]
    Auth {
        /// HTTP status.
        status: u16,
        /// What the server said, with any key redacted.
        message: String,
    },
    /// The server answered with something we could not understand (bad JSON, missing fields,
    /// truncated body). Usually a server bug; retrying rarely helps.
    #[error("malformed response: {message}")]
    MalformedResponse {
        /// What was wrong, with a short excerpt of the body.
        message: String,
    },
    /// The model or provider cannot do what was asked (e.g. image input to a speech model).
    #[error("unsupported: {message}")]
    Unsupported {
        /// What is not supported.
        message: String,
    },
    /// A replay model has no recorded output for this instance: record it or skip the instance.
    #[error("no recorded output for instance {instance_id:?} and model {model:?}")]
    NotRecorded {
        /// The requested instance id.
        instance_id: String,
        /// The model whose output was requested.
        model: String,
    },
    /// Reading or writing local files (cache, recordings, downloaded video) failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// The group a [`ModelError`] belongs to, as a plain copyable value (for logs, counters, result files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`ModelError::Transient`].
    Transient,
    /// [`ModelError::RateLimited`].
    RateLimited,
    /// [`ModelError::Timeout`].
    Timeout,
    /// [`ModelError::BadRequest`].
    BadRequest,
    /// [`ModelError::Config`].
    Config,
    /// [`ModelError::Auth`].
    Auth,
    /// [`ModelError::MalformedResponse`].
    MalformedResponse,
    /// [`ModelError::Unsupported`].
    Unsupported,
    /// [`ModelError::NotRecorded`].
    NotRecorded,
    /// [`ModelError::Io`].
    Io,
}

impl ErrorKind {
    /// The kind's snake_case name, as written into result files (`rate_limited`, `timeout`, …);
    /// the same string its serde form uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::RateLimited => "rate_limited",
            Self::Timeout => "timeout",
            Self::BadRequest => "bad_request",
            Self::Config => "config",
            Self::Auth => "auth",
            Self::MalformedResponse => "malformed_response",
            Self::Unsupported => "unsupported",
            Self::NotRecorded => "not_recorded",
            Self::Io => "io",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ModelError {
    /// The group this error belongs to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Transient { .. } => ErrorKind::Transient,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::BadRequest { .. } => ErrorKind::BadRequest,
            Self::Config { .. } => ErrorKind::Config,
            Self::Auth { .. } => ErrorKind::Auth,
            Self::MalformedResponse { .. } => ErrorKind::MalformedResponse,
            Self::Unsupported { .. } => ErrorKind::Unsupported,
            Self::NotRecorded { .. } => ErrorKind::NotRecorded,
            Self::Io { .. } => ErrorKind::Io,
        }
    }

    /// Whether trying the same request again can succeed: transient failures, rate limits and
    /// timeouts.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Transient | ErrorKind::RateLimited | ErrorKind::Timeout
        )
    }

    /// The server's requested wait before the next attempt, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config {
            message: message.into(),
        }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        Self::MalformedResponse {
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        Self::Unsupported {
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

fn fmt_retry_after(d: Option<Duration>) -> String {
    d.map(|d| format!(" (retry after {:.3}s)", d.as_secs_f64()))
        .unwrap_or_default()
}

fn fmt_status(s: Option<u16>) -> String {
    s.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn as_str_is_the_serde_name() {
        let all = [
            ErrorKind::Transient,
            ErrorKind::RateLimited,
            ErrorKind::Timeout,
            ErrorKind::BadRequest,
            ErrorKind::Config,
            ErrorKind::Auth,
            ErrorKind::MalformedResponse,
            ErrorKind::Unsupported,
            ErrorKind::NotRecorded,
            ErrorKind::Io,
        ];
        for kind in all {
            let json = serde_json::to_value(kind).unwrap_or_default();
            assert_eq!(json.as_str(), Some(kind.as_str()), "{kind:?}");
        }
    }
}
