//! `POST /audio/speech`: text to speech.

use assurai_taxonomy::Modality;
use async_trait::async_trait;
use serde::Serialize;
use tokio::time::Instant;

use super::{Endpoint, OpenAiConfig, content_type};
use crate::{Generation, GenerationRequest, Media, ModelError, Output, TargetModel};

/// An OpenAI-compatible speech model (`POST {base}/audio/speech`). The input text is the last
/// user message; the result is [`Output::Audio`].
#[derive(Debug)]
pub struct OpenAiSpeech {
    id: String,
    model: String,
    voice: String,
    format: String,
    endpoint: Endpoint,
}

impl OpenAiSpeech {
    /// Builds the provider with voice `alloy` and format `mp3`.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        Ok(Self {
            id: config.default_id("openai-speech"),
            model: config.model.clone(),
            voice: "alloy".to_owned(),
            format: "mp3".to_owned(),
            endpoint: Endpoint::new(&config)?,
        })
    }

    /// Sets the voice.
    pub fn voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = voice.into();
        self
    }

    /// Sets the audio format (`mp3`, `wav`, `opus`, `aac`, `flac`, `pcm`).
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = format.into();
        self
    }
}

#[derive(Serialize)]
struct SpeechBody<'a> {
    model: &'a str,
    input: &'a str,
    voice: &'a str,
    response_format: &'a str,
}

/// The MIME type of a `response_format` (`mp3`, `wav`, `opus`, …), MP3 (the API's default)
/// for a format the table does not know.
fn mime_for(format: &str) -> &'static str {
    crate::mime::from_extension(format)
        .filter(|m| crate::mime::kind(m) == Some(crate::mime::Kind::Audio))
        .unwrap_or(crate::mime::MP3)
}

#[async_trait]
impl TargetModel for OpenAiSpeech {
    fn id(&self) -> &str {
        &self.id
    }

    fn modality(&self) -> Modality {
        Modality::Audio
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let start = Instant::now();
        if request.has_images() {
            return Err(ModelError::unsupported("speech does not take image input"));
        }
        let input = request
            .last_user_text()
            .ok_or_else(|| ModelError::BadRequest {
                status: None,
                message: "speech needs a user message with the text".to_owned(),
            })?;
        let body = serde_json::to_vec(&SpeechBody {
            model: &self.model,
            input: &input,
            voice: &self.voice,
            response_format: &self.format,
        })
        .map_err(|e| ModelError::malformed(format!("cannot encode request: {e}")))?;
        let r = match self.endpoint.post_json("/audio/speech", body).await? {
            Ok(r) => r,
            Err(b) => return Ok(Generation::new(Output::Blocked(b)).with_latency(start.elapsed())),
        };
        if r.body.is_empty() {
            return Err(ModelError::malformed("speech response is empty"));
        }
        let mime = content_type(&r.headers)
            .filter(|m| crate::mime::kind(m) == Some(crate::mime::Kind::Audio))
            .unwrap_or_else(|| mime_for(&self.format).to_owned());
        Ok(Generation::new(Output::Audio(Media::new(mime, r.body))).with_latency(start.elapsed()))
    }
}
