//! `POST /chat/completions`, plain and streaming.

use std::borrow::Cow;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use super::{Endpoint, OpenAiConfig};
use crate::providers::block;
use crate::providers::sse::SseParser;
use crate::{
    BlockReason, Blocked, Generation, GenerationRequest, ModelError, Output, Part, TargetModel,
    Usage,
};

/// An OpenAI-compatible chat model (`POST {base}/chat/completions`): text output, text and image
/// input, optional streaming.
///
/// ```no_run
/// use assurai_models::providers::{OpenAiChat, OpenAiConfig};
/// use assurai_models::{GenerationRequest, TargetModel};
/// # async fn demo() -> Result<(), assurai_models::ModelError> {
/// let model = OpenAiChat::new(OpenAiConfig::new("http://127.0.0.1:11434/v1", "qwen2.5:7b"))?;
/// let g = model.generate(&GenerationRequest::prompt("r1", "안녕하세요")).await?;
/// println!("{:?}", g.output);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OpenAiChat {
    id: String,
    model: String,
    stream: bool,
    endpoint: Endpoint,
}

impl OpenAiChat {
    /// Builds the provider.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        Ok(Self {
            id: config.default_id("openai"),
            model: config.model.clone(),
            stream: config.stream,
            endpoint: Endpoint::new(&config)?,
        })
    }
}

#[derive(Serialize)]
struct ChatBody<'a> {
    model: &'a str,
    messages: Vec<OutMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
    /// Sent as given (checked to be one JSON value), not re-parsed into a `Value` tree per call.
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<&'a serde_json::value::RawValue>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct OutMessage<'a> {
    role: &'static str,
    content: OutContent<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum OutContent<'a> {
    Text(Cow<'a, str>),
    Parts(Vec<OutPart<'a>>),
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutPart<'a> {
    Text { text: &'a str },
    ImageUrl { image_url: ImageUrl },
    InputAudio { input_audio: InputAudio },
}

#[derive(Serialize)]
struct InputAudio {
    data: String,
    format: &'static str,
}

#[derive(Serialize)]
struct ImageUrl {
    url: String,
}

pub(crate) fn body_json(
    model: &str,
    req: &GenerationRequest,
    stream: bool,
) -> Result<Vec<u8>, ModelError> {
    let messages = req
        .messages
        .iter()
        .map(|m| -> Result<OutMessage<'_>, ModelError> {
            let has_media = m.parts.iter().any(|p| !matches!(p, Part::Text { .. }));
            let content = if has_media {
                OutContent::Parts(
                    m.parts
                        .iter()
                        .map(|p| {
                            Ok(match p {
                                Part::Text { text } => OutPart::Text { text },
                                Part::Image { image } => OutPart::ImageUrl {
                                    image_url: ImageUrl {
                                        url: image.to_data_url(),
                                    },
                                },
                                Part::Audio { audio } => OutPart::InputAudio {
                                    input_audio: InputAudio {
                                        data: base64::Engine::encode(
                                            &base64::engine::general_purpose::STANDARD,
                                            &audio.bytes,
                                        ),
                                        format: audio.openai_format().ok_or_else(|| {
                                            ModelError::BadRequest {
                                                status: None,
                                                message: format!(
                                                    "audio input must be WAV or MP3 for an \
                                                     OpenAI-compatible server, not {}",
                                                    audio.mime
                                                ),
                                            }
                                        })?,
                                    },
                                },
                            })
                        })
                        .collect::<Result<_, ModelError>>()?,
                )
            } else if let [Part::Text { text }] = m.parts.as_slice() {
                OutContent::Text(Cow::Borrowed(text))
            } else {
                OutContent::Text(Cow::Owned(m.joined_text()))
            };
            Ok(OutMessage {
                role: m.role.as_str(),
                content,
            })
        })
        .collect::<Result<Vec<_>, ModelError>>()?;
    let s = &req.settings;
    let response_format = match &s.response_format {
        Some(text) => Some(
            serde_json::from_str::<&serde_json::value::RawValue>(text).map_err(|e| {
                ModelError::BadRequest {
                    status: None,
                    message: format!("response_format is not valid JSON: {e}"),
                }
            })?,
        ),
        None => None,
    };
    let body = ChatBody {
        model,
        messages,
        temperature: s.temperature,
        max_tokens: s.max_tokens,
        seed: s.seed,
        stop: &s.stop,
        stream,
        stream_options: stream.then_some(StreamOptions {
            include_usage: true,
        }),
        response_format,
    };
    serde_json::to_vec(&body).map_err(|e| ModelError::BadRequest {
        status: None,
        message: format!("cannot encode request: {e}"),
    })
}

#[derive(Deserialize)]
struct ChatResponse {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<WireMessage>,
    delta: Option<WireMessage>,
    finish_reason: Option<String>,
    content_filter_results: Option<Value>,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<WireContent>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum WireContent {
    Text(String),
    Parts(Vec<WirePart>),
}

impl WireContent {
    fn push_to(self, out: &mut String) {
        match self {
            Self::Text(t) => out.push_str(&t),
            Self::Parts(parts) => {
                for p in parts {
                    if let Some(t) = p.text {
                        out.push_str(&t);
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct WirePart {
    text: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage {
            input_tokens: u.prompt_tokens,
            output_tokens: u.completion_tokens,
        }
    }
}

/// What a chat response (or a whole stream) amounted to.
#[derive(Default)]
struct Assembled {
    text: String,
    saw_content: bool,
    refusal: String,
    finish_reason: Option<String>,
    filter_results: Option<Value>,
    usage: Usage,
}

impl Assembled {
    /// The generation: output, usage and finish reason.
    fn generation(self) -> Generation {
        let usage = self.usage;
        let finish_reason = self.finish_reason.clone();
        let mut g = Generation::new(self.output()).with_usage(usage);
        g.finish_reason = finish_reason;
        g
    }

    fn absorb(
        &mut self,
        resp: ChatResponse,
        endpoint: &Endpoint,
    ) -> Result<Option<Blocked>, ModelError> {
        if let Some(err) = resp.error.filter(|e| !e.is_null()) {
            return inband_error(&err, endpoint).map(Some);
        }
        if let Some(u) = resp.usage {
            self.usage = u.into();
        }
        if let Some(choice) = resp.choices.into_iter().next() {
            if let Some(m) = choice.message.or(choice.delta) {
                if let Some(c) = m.content {
                    self.saw_content = true;
                    c.push_to(&mut self.text);
                }
                if let Some(r) = m.refusal {
                    self.refusal.push_str(&r);
                }
            }
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
            if choice.content_filter_results.is_some() {
                self.filter_results = choice.content_filter_results;
            }
        }
        Ok(None)
    }

    fn output(self) -> Output {
        if let Some(b) =
            block::from_finish_reason(self.finish_reason.as_deref(), self.filter_results.as_ref())
        {
            return Output::Blocked(b);
        }
        if self.text.is_empty() && !self.refusal.is_empty() {
            return Output::Blocked(Blocked::new(BlockReason::Refusal, Some(self.refusal)));
        }
        Output::Text { text: self.text }
    }
}

/// An error object reported inside a 200 answer (a stream's `error:` line or `event: error`, or
/// a `{"error": …}` body or data event): a block when it names a content policy, else the error
/// its HTTP-like `code` (llama.cpp, vLLM) or `type` stands for, else a transient failure.
fn inband_error(err: &Value, endpoint: &Endpoint) -> Result<Blocked, ModelError> {
    if let Some(b) = block::from_error_value(err) {
        return Ok(b);
    }
    let wrapped = serde_json::json!({ "error": err });
    let body = serde_json::to_vec(&wrapped).unwrap_or_default();
    let message = format!(
        "the server reported an error after answering 200: {}",
        crate::providers::http::error_message(&body, endpoint.secrets())
    );
    let code = err
        .get("code")
        .and_then(|c| {
            c.as_u64()
                .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
        })
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| (400..600).contains(c));
    let kind = err.get("type").and_then(Value::as_str).unwrap_or("");
    Err(match (code, kind) {
        (Some(401 | 403), _) | (None, "authentication_error" | "permission_error") => {
            ModelError::Auth {
                status: code.unwrap_or(401),
                message,
            }
        }
        (Some(429), _) => ModelError::RateLimited {
            retry_after: None,
            message,
        },
        (Some(408 | 409 | 425 | 500..=599), _) => ModelError::Transient {
            status: code,
            message,
        },
        (Some(c), _) => ModelError::BadRequest {
            status: Some(c),
            message,
        },
        (None, "invalid_request_error" | "exceed_context_size_error" | "not_found_error") => {
            ModelError::BadRequest {
                status: None,
                message,
            }
        }
        (None, _) => ModelError::Transient {
            status: None,
            message,
        },
    })
}

impl OpenAiChat {
    async fn generate_plain(&self, body: Vec<u8>) -> Result<Generation, ModelError> {
        let r = match self.endpoint.post_json("/chat/completions", body).await? {
            Ok(r) => r,
            Err(b) => return Ok(Generation::new(Output::Blocked(b))),
        };
        let resp: ChatResponse = serde_json::from_slice(&r.body).map_err(|e| {
            self.endpoint
                .malformed(&format!("chat completion is not valid JSON ({e})"), &r.body)
        })?;
        if resp.choices.is_empty() && resp.error.is_none() {
            return Err(self
                .endpoint
                .malformed("chat completion has no choices", &r.body));
        }
        let mut acc = Assembled::default();
        if let Some(b) = acc.absorb(resp, &self.endpoint)? {
            return Ok(Generation::new(Output::Blocked(b)));
        }
        if acc.finish_reason.is_none() {
            return Err(self.endpoint.malformed(
                "chat completion has no finish_reason, so it may be incomplete",
                &r.body,
            ));
        }
        Ok(acc.generation())
    }

    async fn generate_stream(&self, body: Vec<u8>) -> Result<Generation, ModelError> {
        let rb = self
            .endpoint
            .post("/chat/completions")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .body(body);
        let mut resp = self.endpoint.send(rb).await?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let r = self.endpoint.read(resp).await?;
            return match self.endpoint.check(r)? {
                Err(b) => Ok(Generation::new(Output::Blocked(b))),
                Ok(r) => Err(self.endpoint.status_error(&r)),
            };
        }
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        let mut acc = Assembled::default();
        let mut done = false;
        let bad_utf8 = || ModelError::malformed("event stream is not valid UTF-8");
        let mut received = 0usize;
        loop {
            let chunk = self.endpoint.chunk(&mut resp).await?;
            match &chunk {
                Some(c) => {
                    let c = c.as_ref();
                    self.endpoint.count(received, c.len())?;
                    received += c.len();
                    parser.push(c, &mut events).map_err(|_| bad_utf8())?;
                }
                None => parser.finish(&mut events).map_err(|_| bad_utf8())?,
            }
            for ev in events.drain(..) {
                if ev.is_error() {
                    return self
                        .stream_error(&ev)
                        .map(|b| Generation::new(Output::Blocked(b)));
                }
                let data = ev.data.trim();
                if data == "[DONE]" {
                    done = true;
                    continue;
                }
                if data.is_empty() {
                    continue;
                }
                let part: ChatResponse = serde_json::from_str(data).map_err(|e| {
                    self.endpoint.malformed(
                        &format!("stream event is not valid JSON ({e})"),
                        data.as_bytes(),
                    )
                })?;
                if let Some(b) = acc.absorb(part, &self.endpoint)? {
                    return Ok(Generation::new(Output::Blocked(b)));
                }
            }
            if done || chunk.is_none() {
                break;
            }
        }
        if acc.finish_reason.is_none() {
            // Ending with `[DONE]` is not enough: a server that gave up mid-way may still send it.
            let how = if done {
                "with [DONE]"
            } else {
                "without [DONE]"
            };
            return Err(ModelError::Transient {
                status: None,
                message: format!(
                    "event stream ended {how} but no event carried a finish_reason, so the \
                     completion is incomplete ({} bytes of text received)",
                    acc.text.len()
                ),
            });
        }
        Ok(acc.generation())
    }

    /// The error an error event stands for (or the block it reports).
    fn stream_error(&self, ev: &crate::providers::sse::SseEvent) -> Result<Blocked, ModelError> {
        let raw = ev.error.as_deref().unwrap_or(&ev.data).trim();
        let value = match serde_json::from_str::<Value>(raw) {
            // `{"error": {…}}` or the error object itself.
            Ok(v) => v.get("error").cloned().unwrap_or(v),
            Err(_) => Value::String(raw.to_owned()),
        };
        let value = match value {
            Value::String(s) => serde_json::json!({ "message": s }),
            v => v,
        };
        inband_error(&value, &self.endpoint)
    }
}

#[async_trait]
impl TargetModel for OpenAiChat {
    fn id(&self) -> &str {
        &self.id
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let start = Instant::now();
        let body = body_json(&self.model, request, self.stream)?;
        let g = if self.stream {
            self.generate_stream(body).await?
        } else {
            self.generate_plain(body).await?
        };
        Ok(g.with_latency(start.elapsed()))
    }
}
