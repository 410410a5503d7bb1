//! `POST /audio/transcriptions` (multipart): speech to text.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tokio::time::Instant;

use super::{Endpoint, OpenAiConfig};
use crate::{ModelError, Transcriber, Transcript, TranscriptionRequest};

/// An OpenAI-compatible transcription model (`POST {base}/audio/transcriptions`, e.g. Whisper
/// served by OpenAI, vLLM or `whisper.cpp`'s server).
#[derive(Debug)]
pub struct OpenAiTranscriber {
    id: String,
    model: String,
    endpoint: Endpoint,
}

impl OpenAiTranscriber {
    /// Builds the transcriber.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        Ok(Self {
            id: config.default_id("openai-transcribe"),
            model: config.model.clone(),
            endpoint: Endpoint::new(&config)?,
        })
    }
}

/// The upload's file name: servers pick the decoder from its extension.
fn file_name(mime: &str) -> String {
    format!("audio.{}", crate::mime::extension(mime).unwrap_or("bin"))
}

#[async_trait]
impl Transcriber for OpenAiTranscriber {
    fn id(&self) -> &str {
        &self.id
    }

    async fn transcribe(&self, request: &TranscriptionRequest) -> Result<Transcript, ModelError> {
        let start = Instant::now();
        let audio = &request.audio;
        let file = Part::bytes(audio.bytes.clone())
            .file_name(file_name(&audio.mime))
            .mime_str(&audio.mime)
            .map_err(|_| ModelError::BadRequest {
                status: None,
                message: format!("invalid audio MIME type {:?}", audio.mime),
            })?;
        let mut form = Form::new()
            .part("file", file)
            .text("model", self.model.clone())
            .text("response_format", "json");
        if let Some(lang) = &request.language {
            form = form.text("language", lang.clone());
        }
        if let Some(prompt) = &request.prompt {
            form = form.text("prompt", prompt.clone());
        }
        let rb = self.endpoint.post("/audio/transcriptions").multipart(form);
        let r = self.endpoint.send_read(rb).await?;
        if !(200..300).contains(&r.status) {
            return Err(self.endpoint.status_error(&r));
        }
        let v: Value = serde_json::from_slice(&r.body).map_err(|e| {
            self.endpoint
                .malformed(&format!("transcription is not valid JSON ({e})"), &r.body)
        })?;
        let text = v.get("text").and_then(Value::as_str).ok_or_else(|| {
            self.endpoint
                .malformed("transcription has no `text`", &r.body)
        })?;
        Ok(Transcript {
            text: text.trim().to_owned(),
            language: v.get("language").and_then(Value::as_str).map(str::to_owned),
            duration: v
                .get("duration")
                .and_then(Value::as_f64)
                .and_then(|d| Duration::try_from_secs_f64(d).ok()),
            latency: start.elapsed(),
            usage: transcription_usage(&v),
        })
    }
}

/// `usage` of a token-billed transcription (`{"type": "tokens", "input_tokens": …,
/// "output_tokens": …}`); a duration-billed one (`{"type": "duration", "seconds": …}`) or none
/// leaves both unknown.
fn transcription_usage(v: &Value) -> crate::Usage {
    let usage = v.get("usage");
    let field = |k: &str| usage.and_then(|u| u.get(k)).and_then(Value::as_u64);
    crate::Usage {
        input_tokens: field("input_tokens"),
        output_tokens: field("output_tokens"),
    }
}
