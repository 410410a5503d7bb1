//! Target models for AI safety evaluation: ask a generative model for an output, reliably.
//!
//! The primary type is the [`TargetModel`] trait: give it a [`GenerationRequest`] (a
//! conversation of text and image turns, sampling settings, a request id and the dataset
//! instance id), get back a [`Generation`] — text, image, video, audio, or
//! [`Blocked`](Output::Blocked) when the provider refused (the AssurAI paper's "Safely Blocked"),
//! with token usage, latency and the log of earlier attempts. Failures are a [`ModelError`],
//! grouped by what the caller can do about them.
//!
//! - [`providers`]: OpenAI-compatible chat (plain and streaming, image input), image generation,
//!   speech, transcription ([`Transcriber`]) and video jobs; native Gemini; replay of recorded
//!   outputs.
//! - [`layers`]: retry with backoff and `Retry-After`, rate limit, concurrency limit, timeout,
//!   regeneration of blocked outputs, on-disk cache — each a `TargetModel` wrapping another,
//!   stacked by [`layers::ModelBuilder`].
//! - [`Registry`]: build models from spec strings such as
//!   `openai:qwen2.5:7b@http://127.0.0.1:11434/v1` or `replay:outputs.jsonl#exaone`, and add
//!   your own schemes.
//!
//! API keys are [`Secret`]s: they never appear in errors or `Debug` output.
//!
//! # Example
//!
//! Judge already-collected outputs offline by replaying them through the same interface a live
//! model has, with the layers a live run would use:
//!
//! ```
//! use std::time::Duration;
//! use assurai_models::layers::{ModelBuilder, RetryPolicy};
//! use assurai_models::providers::{RecordedOutput, ReplayModel};
//! use assurai_models::{Generation, GenerationRequest, Output, TargetModel};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let recorded = vec![
//!     RecordedOutput::new("TXT-0001", "exaone", Generation::new(Output::text("도와드릴 수 없습니다."))),
//! ];
//! let model = ModelBuilder::new(ReplayModel::from_entries("exaone", recorded))
//!     .retry(RetryPolicy::new().max_attempts(3))
//!     .timeout(Duration::from_secs(60))
//!     .build();
//!
//! let request = GenerationRequest::prompt("run1/TXT-0001", "...").instance("TXT-0001");
//! let generation = model.generate(&request).await?;
//! assert_eq!(generation.output.as_text(), Some("도와드릴 수 없습니다."));
//! # Ok::<(), assurai_models::ModelError>(()) }).unwrap();
//! ```
//!
//! Against a live OpenAI-compatible server (here Ollama) the first line changes to
//! `Registry::with_builtins().build("openai:exaone3.5:7.8b@http://127.0.0.1:11434/v1")?`.

mod error;
mod fsutil;
mod generation;
pub mod layers;
mod model;
pub mod providers;
mod registry;
mod request;
mod secret;
mod serde_util;

pub use async_trait::async_trait;
pub use error::{ErrorKind, ModelError};
pub use generation::{
    AttemptOutcome, AttemptRecord, BlockReason, Blocked, FINISH_LENGTH, Generation, Media, Output,
    Usage, Video, VideoData,
};
pub use model::{TargetModel, Transcriber, Transcript, TranscriptionRequest};
pub use registry::{
    Factory, ModelSpec, Registry, openai_json_from_spec, tokenizer_from_model_spec,
    transcriber_from_model_spec, transcriber_from_spec,
};
pub use request::{
    AudioData, GenerationRequest, GenerationSettings, ImageData, Message, Part, Role,
};
pub use secret::Secret;

pub use assurai_taxonomy::Modality;

/// The one MIME table (extensions, aliases, magic bytes), from `assurai-files`, the crate below
/// every crate that names a media type.
pub use assurai_files::mime;

/// The longest error message this crate produces from a server's answer, in bytes (4 KiB): a
/// server that echoes a request with a Base64 image in its error must not grow a result file by
/// megabytes. Longer messages are cut by [`cap_message`].
pub const MAX_ERROR_MESSAGE_BYTES: usize = 4096;

/// Cuts `message` to at most `limit` bytes (at a character boundary) and notes the original
/// length: `"…[cut: 4823112 bytes in all]"`. Shorter messages are returned unchanged.
///
/// ```
/// let m = assurai_models::cap_message("x".repeat(10_000), 4096);
/// assert!(m.len() < 4200);
/// assert!(m.ends_with("…[cut: 10000 bytes in all]"));
/// assert_eq!(assurai_models::cap_message("short".into(), 4096), "short");
/// ```
pub fn cap_message(mut message: String, limit: usize) -> String {
    if message.len() <= limit {
        return message;
    }
    let total = message.len();
    let mut end = limit;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message.push_str(&format!("…[cut: {total} bytes in all]"));
    message
}
