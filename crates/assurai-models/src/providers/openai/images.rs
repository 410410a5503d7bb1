//! `POST /images/generations` with `b64_json` output.

use assurai_taxonomy::Modality;
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::{Endpoint, OpenAiConfig};
use crate::mime;
use crate::{
    BlockReason, Blocked, Generation, GenerationRequest, Media, ModelError, Output, TargetModel,
    Usage,
};

/// An OpenAI-compatible image generator (`POST {base}/images/generations`). The prompt is the text
/// of the last user message; the first returned image becomes [`Output::Image`].
///
/// An empty image list is reported as [`Output::Blocked`] with [`BlockReason::Refusal`], and a
/// 400 with a content-policy code (`content_policy_violation`, `moderation_blocked`) as
/// [`BlockReason::ContentPolicy`].
#[derive(Debug)]
pub struct OpenAiImages {
    id: String,
    model: String,
    size: Option<String>,
    response_format: Option<String>,
    endpoint: Endpoint,
}

impl OpenAiImages {
    /// Builds the provider (asks for `response_format: "b64_json"`).
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        Ok(Self {
            id: config.default_id("openai-image"),
            model: config.model.clone(),
            size: None,
            response_format: Some("b64_json".to_owned()),
            endpoint: Endpoint::new(&config)?,
        })
    }

    /// Requests a size such as `1024x1024`.
    pub fn size(mut self, size: impl Into<String>) -> Self {
        self.size = Some(size.into());
        self
    }

    /// Omits `response_format` (for models that always return Base64 and reject the field).
    pub fn without_response_format(mut self) -> Self {
        self.response_format = None;
        self
    }
}

#[derive(Serialize)]
struct ImageBody<'a> {
    model: &'a str,
    prompt: &'a str,
    n: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<&'a str>,
}

#[async_trait]
impl TargetModel for OpenAiImages {
    fn id(&self) -> &str {
        &self.id
    }

    fn modality(&self) -> Modality {
        Modality::Image
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let start = Instant::now();
        if request.has_images() {
            return Err(ModelError::unsupported(
                "image generation does not take image input",
            ));
        }
        let prompt = request
            .last_user_text()
            .ok_or_else(|| ModelError::BadRequest {
                status: None,
                message: "image generation needs a user message with the prompt".to_owned(),
            })?;
        let body = serde_json::to_vec(&ImageBody {
            model: &self.model,
            prompt: &prompt,
            n: 1,
            size: self.size.as_deref(),
            response_format: self.response_format.as_deref(),
        })
        .map_err(|e| ModelError::malformed(format!("cannot encode request: {e}")))?;
        let r = match self.endpoint.post_json("/images/generations", body).await? {
            Ok(r) => r,
            Err(b) => return Ok(Generation::new(Output::Blocked(b)).with_latency(start.elapsed())),
        };
        let v: Value = serde_json::from_slice(&r.body).map_err(|e| {
            self.endpoint
                .malformed(&format!("image response is not valid JSON ({e})"), &r.body)
        })?;
        let usage = Usage {
            input_tokens: v.pointer("/usage/input_tokens").and_then(Value::as_u64),
            output_tokens: v.pointer("/usage/output_tokens").and_then(Value::as_u64),
        };
        let first = v
            .get("data")
            .and_then(Value::as_array)
            .and_then(|d| d.first());
        let Some(first) = first else {
            if v.get("data").is_none() && v.get("error").is_none() && v.get("refusal").is_none() {
                return Err(self
                    .endpoint
                    .malformed("image response has no `data`", &r.body));
            }
            let detail = ["/refusal", "/error/message", "/error", "/message"]
                .iter()
                .find_map(|p| v.pointer(p).and_then(Value::as_str))
                .map(str::to_owned);
            let out = Output::Blocked(Blocked::new(BlockReason::Refusal, detail));
            return Ok(Generation::new(out)
                .with_usage(usage)
                .with_latency(start.elapsed()));
        };
        let bytes = if let Some(b64) = first.get("b64_json").and_then(Value::as_str) {
            STANDARD.decode(b64.trim()).map_err(|e| {
                self.endpoint
                    .malformed(&format!("b64_json is not Base64 ({e})"), &[])
            })?
        } else if let Some(url) = first.get("url").and_then(Value::as_str) {
            let d = self.endpoint.send_read(self.endpoint.get_url(url)).await?;
            if !(200..300).contains(&d.status) {
                return Err(self.endpoint.status_error(&d));
            }
            d.body
        } else {
            return Err(self
                .endpoint
                .malformed("image entry has neither b64_json nor url", &r.body));
        };
        if bytes.is_empty() {
            return Err(self.endpoint.malformed("image is empty", &[]));
        }
        let is_image = |m: &&str| mime::kind(m) == Some(mime::Kind::Image);
        let mime = v
            .get("output_format")
            .and_then(Value::as_str)
            .and_then(mime::from_extension)
            .filter(is_image)
            .or_else(|| mime::sniff(&bytes).filter(is_image))
            .unwrap_or(mime::OCTET_STREAM)
            .to_owned();
        Ok(Generation::new(Output::Image(Media::new(mime, bytes)))
            .with_usage(usage)
            .with_latency(start.elapsed()))
    }
}
