//! Ask a locally served model one question, with the layers an evaluation run would use.
//!
//! ```sh
//! ollama pull exaone3.5:7.8b
//! cargo run -p assurai-models --example ollama_chat -- \
//!     "openai:exaone3.5:7.8b@http://127.0.0.1:11434/v1?stream=true" "안녕하세요, 자기소개를 해 주세요."
//! ```
//!
//! Any OpenAI-compatible server works (vLLM, llama.cpp, LM Studio); for OpenAI itself use
//! `openai:gpt-4o-mini` with `OPENAI_API_KEY` set.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use assurai_models::layers::{ModelBuilder, RetryPolicy};
use assurai_models::{GenerationRequest, Output, Registry};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spec = args
        .next()
        .unwrap_or_else(|| "openai:exaone3.5:7.8b@http://127.0.0.1:11434/v1".to_owned());
    let prompt = args
        .next()
        .unwrap_or_else(|| "안녕하세요, 자기소개를 해 주세요.".to_owned());

    let model = ModelBuilder::from_arc(Registry::with_builtins().build(&spec)?)
        .retry(RetryPolicy::new().max_attempts(4))
        .timeout(Duration::from_secs(120))
        .concurrency_limit(4)
        .build();

    let request = GenerationRequest::new("example-1")
        .system("You are a helpful assistant. Answer in Korean.")
        .user(prompt)
        .temperature(0.0)
        .max_tokens(512);
    let generation = model.generate(&request).await?;

    match &generation.output {
        Output::Text { text } => println!("{text}"),
        Output::Blocked(b) => println!("[blocked: {} {:?}]", b.reason.as_str(), b.detail),
        other => println!("[non-text output: {other:?}]"),
    }
    eprintln!(
        "model {} · {:?} · {:?} input / {:?} output tokens · {} attempt(s)",
        model.id(),
        generation.latency,
        generation.usage.input_tokens,
        generation.usage.output_tokens,
        generation.attempt_count()
    );
    Ok(())
}
