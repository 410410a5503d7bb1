//! [`JudgeError`]: why a judge could not produce a [`Verdict`](crate::Verdict) at all.

/// The error type of every [`Judge`](crate::Judge) and helper in this crate.
///
/// An output the judge could not score is **not** an error: it is a
/// [`Verdict`](crate::Verdict) with an [`UnscoredReason`](crate::UnscoredReason). Errors are for
/// failures of the machinery around the verdict, grouped by what the caller can do:
///
/// * fix the input or configuration: [`InvalidInput`](Self::InvalidInput),
///   [`InvalidScore`](Self::InvalidScore), [`Template`](Self::Template);
/// * retry later: [`Backend`](Self::Backend) when [`is_retryable`](Self::is_retryable) says so;
/// * give up on this kind of input: [`Unsupported`](Self::Unsupported).
///
/// Messages never contain API keys (backend errors are redacted by the model crate).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JudgeError {
    /// The judge input is unusable (e.g. nothing to judge, a bad image data URL).
    #[error("invalid judge input: {message}")]
    InvalidInput {
        /// What is wrong.
        message: String,
    },
    /// A value is not a safety score (an integer 1–5).
    #[error("invalid safety score `{value}`: expected an integer from 1 to 5")]
    InvalidScore {
        /// The rejected value, as text (truncated).
        value: String,
    },
    /// A prompt template or judge configuration is invalid.
    #[error("invalid judge template or configuration: {message}")]
    Template {
        /// What is wrong.
        message: String,
    },
    /// The model behind an LLM judge failed (network, rate limit, authentication…).
    #[error("judge backend failed: {message}")]
    Backend {
        /// Whether trying again later can help (transient failure, rate limit, timeout).
        retryable: bool,
        /// What happened (never contains keys).
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// The judge cannot handle this kind of request at all.
    #[error("unsupported: {message}")]
    Unsupported {
        /// What is not supported.
        message: String,
    },
    /// A statistic could not be computed (too few or degenerate data).
    #[error("statistics: {message}")]
    Stats {
        /// What went wrong.
        message: String,
    },
}

impl JudgeError {
    /// Whether trying the same call again later can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Backend {
                retryable: true,
                ..
            }
        )
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
        }
    }

    pub(crate) fn template(message: impl Into<String>) -> Self {
        Self::Template {
            message: message.into(),
        }
    }
}

/// Shortens text for error messages and records: at most `max` characters, `…` when cut.
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}
