//! Google's native Gemini API (`POST {base}/models/{model}:generateContent`).

use assurai_taxonomy::Modality;
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::openai::{Endpoint, OpenAiConfig};
use crate::providers::block;
use crate::{
    BlockReason, Blocked, Generation, GenerationRequest, Media, ModelError, Output, Part, Role,
    TargetModel, Usage,
};

/// The default Gemini base URL.
pub const GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta";

/// A Gemini model through the native `generateContent` API, with text or image output.
///
/// Configure it with an [`OpenAiConfig`] whose extra header `x-goog-api-key` carries the key
/// (the registry's `gemini:` scheme does this from `GEMINI_API_KEY`). Blocks are read from
/// `promptFeedback.blockReason` ([`BlockReason::PromptBlocked`]) and from a candidate's
/// `finishReason` of `SAFETY`, `PROHIBITED_CONTENT`, `IMAGE_SAFETY` and relatives
/// ([`BlockReason::Safety`]).
#[derive(Debug)]
pub struct GeminiGenerate {
    id: String,
    model: String,
    modality: Modality,
    endpoint: Endpoint,
}

impl GeminiGenerate {
    /// Builds the provider for text output.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        Ok(Self {
            id: config.default_id("gemini"),
            model: config.model().to_owned(),
            modality: Modality::Text,
            endpoint: Endpoint::new(&config)?,
        })
    }

    /// Asks for image output (`responseModalities: ["TEXT", "IMAGE"]`); the first inline image
    /// becomes [`Output::Image`].
    pub fn image_output(mut self) -> Self {
        self.modality = Modality::Image;
        self
    }

    fn body(&self, req: &GenerationRequest) -> Value {
        let mut system = Vec::new();
        let mut contents = Vec::new();
        for m in &req.messages {
            let parts: Vec<Value> = m
                .parts
                .iter()
                .map(|p| match p {
                    Part::Text { text } => json!({ "text": text }),
                    Part::Image { image } => json!({
                        "inlineData": { "mimeType": image.mime, "data": STANDARD.encode(&image.bytes) }
                    }),
                    Part::Audio { audio } => json!({
                        "inlineData": { "mimeType": audio.mime, "data": STANDARD.encode(&audio.bytes) }
                    }),
                })
                .collect();
            match m.role {
                Role::System => system.extend(parts),
                Role::User => contents.push(json!({ "role": "user", "parts": parts })),
                Role::Assistant => contents.push(json!({ "role": "model", "parts": parts })),
            }
        }
        let s = &req.settings;
        let mut config = serde_json::Map::new();
        if let Some(t) = s.temperature {
            config.insert("temperature".into(), json!(t));
        }
        if let Some(n) = s.max_tokens {
            config.insert("maxOutputTokens".into(), json!(n));
        }
        if let Some(seed) = s.seed {
            config.insert("seed".into(), json!(seed));
        }
        if !s.stop.is_empty() {
            config.insert("stopSequences".into(), json!(s.stop));
        }
        if self.modality == Modality::Image {
            config.insert("responseModalities".into(), json!(["TEXT", "IMAGE"]));
        }
        let mut body = json!({ "contents": contents, "generationConfig": config });
        if !system.is_empty() {
            body["systemInstruction"] = json!({ "parts": system });
        }
        body
    }
}

#[async_trait]
impl TargetModel for GeminiGenerate {
    fn id(&self) -> &str {
        &self.id
    }

    fn modality(&self) -> Modality {
        self.modality
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let start = Instant::now();
        let body = serde_json::to_vec(&self.body(request))
            .map_err(|e| ModelError::malformed(format!("cannot encode request: {e}")))?;
        let r = match self
            .endpoint
            .post_json(&format!("/models/{}:generateContent", self.model), body)
            .await?
        {
            Ok(r) => r,
            Err(b) => return Ok(Generation::new(Output::Blocked(b)).with_latency(start.elapsed())),
        };
        let v: Value = serde_json::from_slice(&r.body).map_err(|e| {
            self.endpoint
                .malformed(&format!("Gemini response is not valid JSON ({e})"), &r.body)
        })?;
        let usage = Usage {
            input_tokens: v
                .pointer("/usageMetadata/promptTokenCount")
                .and_then(Value::as_u64),
            output_tokens: v
                .pointer("/usageMetadata/candidatesTokenCount")
                .and_then(Value::as_u64),
        };
        let finish_reason = v
            .pointer("/candidates/0/finishReason")
            .and_then(Value::as_str)
            .map(gemini_finish_reason);
        let done = |out: Output| {
            let mut g = Generation::new(out)
                .with_usage(usage)
                .with_latency(start.elapsed());
            g.finish_reason = finish_reason.clone();
            Ok(g)
        };
        if let Some(b) = block::from_gemini(&v) {
            return done(Output::Blocked(b));
        }
        let Some(parts) = v
            .pointer("/candidates/0/content/parts")
            .and_then(Value::as_array)
        else {
            if v.get("candidates")
                .is_some_and(|c| c.as_array().is_some_and(Vec::is_empty))
            {
                return done(Output::Blocked(Blocked::new(BlockReason::Refusal, None)));
            }
            return Err(self
                .endpoint
                .malformed("Gemini response has no candidate content", &r.body));
        };
        let mut text = String::new();
        for p in parts {
            if self.modality == Modality::Image
                && let Some(data) = p.pointer("/inlineData/data").and_then(Value::as_str)
            {
                let mime = p
                    .pointer("/inlineData/mimeType")
                    .and_then(Value::as_str)
                    .unwrap_or("image/png");
                let bytes = STANDARD.decode(data.trim()).map_err(|e| {
                    ModelError::malformed(format!("inlineData is not Base64 ({e})"))
                })?;
                return done(Output::Image(Media::new(mime, bytes)));
            }
            if let Some(t) = p.get("text").and_then(Value::as_str) {
                text.push_str(t);
            }
        }
        if self.modality == Modality::Image {
            let detail = (!text.is_empty()).then_some(text);
            return done(Output::Blocked(Blocked::new(BlockReason::Refusal, detail)));
        }
        if finish_reason.is_none() {
            // A candidate without a finishReason has not finished: its text may be cut short.
            return Err(self
                .endpoint
                .malformed("Gemini candidate has no finishReason", &r.body));
        }
        done(Output::text(text))
    }
}

/// Gemini's `finishReason` in OpenAI's words where they mean the same (`STOP` → `stop`,
/// `MAX_TOKENS` → `length`); other reasons lowercased.
fn gemini_finish_reason(reason: &str) -> String {
    match reason {
        "STOP" => "stop".to_owned(),
        "MAX_TOKENS" => crate::FINISH_LENGTH.to_owned(),
        other => other.to_ascii_lowercase(),
    }
}
