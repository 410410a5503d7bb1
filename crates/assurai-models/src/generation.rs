//! [`Generation`]: what a target model produced, with usage, latency and the attempt log.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ErrorKind;

/// Encoded media bytes (an image or audio clip) and their MIME type.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// MIME type such as `image/png` or `audio/mpeg`.
    pub mime: String,
    /// The encoded bytes.
    #[serde(rename = "base64", with = "crate::serde_util::base64_bytes")]
    pub bytes: Vec<u8>,
}

impl Media {
    /// Wraps encoded bytes.
    pub fn new(mime: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            mime: mime.into(),
            bytes: bytes.into(),
        }
    }
}

impl fmt::Debug for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Media")
            .field("mime", &self.mime)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// A generated video: in memory or written to a file.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum VideoData {
    /// The encoded video in memory.
    Bytes {
        /// The encoded bytes.
        #[serde(rename = "base64", with = "crate::serde_util::base64_bytes")]
        bytes: Vec<u8>,
    },
    /// The encoded video on disk.
    File {
        /// Where the file is.
        path: PathBuf,
    },
}

impl fmt::Debug for VideoData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes { bytes } => write!(f, "Bytes(<{} bytes>)", bytes.len()),
            Self::File { path } => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// A generated video and its MIME type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Video {
    /// MIME type such as `video/mp4`.
    pub mime: String,
    /// Where the video is.
    #[serde(flatten)]
    pub data: VideoData,
}

/// Why a provider refused to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BlockReason {
    /// The output was stopped by a content filter (`finish_reason: "content_filter"`).
    ContentFilter,
    /// The request was rejected for violating a content policy (HTTP 400 with a policy code,
    /// a moderated video job).
    ContentPolicy,
    /// The prompt itself was blocked (Gemini `promptFeedback.blockReason`).
    PromptBlocked,
    /// Generation stopped for safety (Gemini `finishReason: "SAFETY"` and relatives).
    Safety,
    /// The provider returned no output and a refusal message instead (e.g. an empty image list).
    Refusal,
}

impl BlockReason {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ContentFilter => "content_filter",
            Self::ContentPolicy => "content_policy",
            Self::PromptBlocked => "prompt_blocked",
            Self::Safety => "safety",
            Self::Refusal => "refusal",
        }
    }
}

/// A provider's refusal to generate: the paper's "Safely Blocked".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    /// Which kind of block.
    pub reason: BlockReason,
    /// The provider's own words or code (e.g. `"SAFETY"`, `"content_policy_violation: ..."`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Blocked {
    /// A block with an optional provider detail.
    pub fn new(reason: BlockReason, detail: Option<String>) -> Self {
        Self { reason, detail }
    }
}

/// What a model produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Output {
    /// Generated text.
    Text {
        /// The text.
        text: String,
    },
    /// A generated image.
    Image(Media),
    /// A generated video.
    Video(Video),
    /// Generated audio.
    Audio(Media),
    /// The provider refused to generate. A result, not an error.
    Blocked(Blocked),
}

impl Output {
    /// Text output.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text { text: text.into() }
    }

    /// The text, if this is text output.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text { text } => Some(text),
            _ => None,
        }
    }

    /// The block, if the provider refused.
    pub fn as_blocked(&self) -> Option<&Blocked> {
        match self {
            Self::Blocked(b) => Some(b),
            _ => None,
        }
    }

    /// Whether the provider refused.
    pub fn is_blocked(&self) -> bool {
        matches!(self, Self::Blocked(_))
    }
}

/// Token counts reported by the provider (`None` when it did not say).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Generated tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
}

impl Usage {
    /// Usage with both counts known.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        Self {
            input_tokens: Some(input_tokens),
            output_tokens: Some(output_tokens),
        }
    }

    /// Adds another usage to this one (unknown stays unknown only if both are unknown).
    pub fn add(&mut self, other: Usage) {
        fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            match (a, b) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
            }
        }
        self.input_tokens = sum(self.input_tokens, other.input_tokens);
        self.output_tokens = sum(self.output_tokens, other.output_tokens);
    }
}

/// How an earlier attempt of the same generation ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The provider refused; a [`RetryOnBlocked`](crate::layers::RetryOnBlocked) layer asked again.
    Blocked(Blocked),
    /// The attempt failed with an error; a [`Retry`](crate::layers::Retry) layer tried again.
    Error {
        /// The error's group.
        kind: ErrorKind,
        /// The error's message (never contains keys).
        message: String,
    },
}

/// One earlier attempt that did not produce the final output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// How it ended.
    #[serde(flatten)]
    pub outcome: AttemptOutcome,
    /// How long it took.
    #[serde(rename = "latency_ms", with = "crate::serde_util::duration_ms")]
    pub latency: Duration,
    /// Tokens it used, if reported.
    #[serde(default)]
    pub usage: Usage,
}

/// The finish reason of an output cut off by the token limit.
pub const FINISH_LENGTH: &str = "length";

/// The result of [`TargetModel::generate`](crate::TargetModel::generate).
///
/// ```
/// use assurai_models::{Generation, Output};
/// let g = Generation::new(Output::text("안녕하세요"));
/// assert_eq!(g.output.as_text(), Some("안녕하세요"));
/// assert!(g.attempts.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Generation {
    /// What was produced (or the block).
    pub output: Output,
    /// Tokens used by the attempt that produced `output`.
    #[serde(default)]
    pub usage: Usage,
    /// Wall time of the attempt that produced `output`.
    #[serde(
        rename = "latency_ms",
        default,
        with = "crate::serde_util::duration_ms"
    )]
    pub latency: Duration,
    /// The other attempts of this generation, oldest first: errors retried by
    /// [`Retry`](crate::layers::Retry), blocks regenerated by
    /// [`RetryOnBlocked`](crate::layers::RetryOnBlocked) (and a failed regeneration after a
    /// block). Empty when the first attempt counted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<AttemptRecord>,
    /// Why the provider stopped generating, in OpenAI's words: `stop` (a natural end or a stop
    /// sequence), `length` (the token limit cut the output off: see
    /// [`Generation::is_truncated`]), `content_filter`, `tool_calls`, or the provider's own word.
    /// Gemini's `STOP`/`MAX_TOKENS` are stored as `stop`/`length`. `None` for providers that have
    /// no such notion (images, speech, video, replayed outputs recorded without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

impl Generation {
    /// A generation with no usage, zero latency and no earlier attempts.
    pub fn new(output: Output) -> Self {
        Self {
            output,
            usage: Usage::default(),
            latency: Duration::ZERO,
            attempts: Vec::new(),
            finish_reason: None,
        }
    }

    /// Sets the finish reason.
    pub fn with_finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }

    /// Whether the token limit cut the output off (`finish_reason` is `length`): the text is
    /// incomplete, which a judge must be told.
    pub fn is_truncated(&self) -> bool {
        self.finish_reason.as_deref() == Some(FINISH_LENGTH)
    }

    /// Sets the usage.
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = usage;
        self
    }

    /// Sets the latency.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The number of attempts that led to this generation, including the final one.
    pub fn attempt_count(&self) -> usize {
        self.attempts.len() + 1
    }
}
