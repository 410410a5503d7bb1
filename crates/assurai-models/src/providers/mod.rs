//! Concrete target models: OpenAI-compatible HTTP APIs, the native Gemini API and replay of
//! recorded outputs.

pub(crate) mod block;
mod gemini;
pub(crate) mod http;
mod openai;
mod replay;
pub(crate) mod sse;

pub use gemini::{GEMINI_BASE_URL, GeminiGenerate};
pub use http::HttpClient;
pub use openai::{
    DEFAULT_MAX_RESPONSE_BYTES, OPENAI_BASE_URL, OpenAiChat, OpenAiConfig, OpenAiImages,
    OpenAiJson, OpenAiSpeech, OpenAiTokenizer, OpenAiTranscriber, OpenAiVideo, TokenCount,
    is_openai_host,
};
pub use replay::{RecordedOutput, ReplayModel, to_jsonl_line};
