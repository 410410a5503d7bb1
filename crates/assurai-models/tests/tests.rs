//! Integration tests of `assurai-models`.
//!
//! One test binary per crate (ripgrep's `autotests = false` layout): each
//! file beside this one is a module. A new test file must be listed here.

#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

// Layers against a scripted in-memory model, with tokio's clock paused so delays are exact.
mod layers;
// Image, speech, transcription, video and Gemini providers against a scripted local server.
mod media_providers;
// The OpenAI-compatible chat provider against a scripted server on 127.0.0.1.
mod openai_chat;
// Replay of recorded outputs and the spec-string registry.
mod replay_registry;
// JSON forms of requests and generations, and data URLs, round-trip exactly.
mod serde_forms;
// The scripted server of assurai-mock-server, and the JSON of the requests it records.
mod support;
