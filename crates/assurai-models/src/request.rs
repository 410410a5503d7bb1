//! [`GenerationRequest`]: what a target model is asked to do.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Who said a message in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions to the model.
    System,
    /// The (simulated) user.
    User,
    /// An earlier answer of the model (multi-turn prompts).
    Assistant,
}

impl Role {
    /// The role's name in OpenAI-compatible APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// An image attached to a message: raw bytes and their MIME type.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImageData {
    /// MIME type such as `image/jpeg`.
    pub mime: String,
    /// The encoded image bytes.
    #[serde(rename = "base64", with = "crate::serde_util::base64_bytes")]
    pub bytes: Vec<u8>,
}

impl ImageData {
    /// Wraps encoded image bytes.
    pub fn new(mime: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            mime: mime.into(),
            bytes: bytes.into(),
        }
    }

    /// Parses a `data:<mime>;base64,<data>` URL (as produced by `assurai-media`).
    ///
    /// # Errors
    /// [`ModelError::BadRequest`] when the text is not a Base64 data URL.
    pub fn from_data_url(url: &str) -> Result<Self, ModelError> {
        let bad = |why: &str| ModelError::BadRequest {
            status: None,
            message: format!("invalid image data URL: {why}"),
        };
        let rest = url
            .strip_prefix("data:")
            .ok_or_else(|| bad("missing `data:`"))?;
        let (meta, data) = rest.split_once(',').ok_or_else(|| bad("missing `,`"))?;
        let mime = meta
            .strip_suffix(";base64")
            .ok_or_else(|| bad("only `;base64` data URLs are supported"))?;
        if mime.is_empty() || !mime.contains('/') {
            return Err(bad("missing MIME type"));
        }
        let bytes = STANDARD
            .decode(data.trim())
            .map_err(|e| bad(&format!("bad Base64: {e}")))?;
        Ok(Self::new(mime, bytes))
    }

    /// Encodes the image as a `data:<mime>;base64,...` URL.
    pub fn to_data_url(&self) -> String {
        let mut url =
            String::with_capacity(self.mime.len() + 13 + self.bytes.len().div_ceil(3) * 4);
        url.push_str("data:");
        url.push_str(&self.mime);
        url.push_str(";base64,");
        STANDARD.encode_string(&self.bytes, &mut url);
        url
    }
}

impl fmt::Debug for ImageData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageData")
            .field("mime", &self.mime)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// Audio attached to a message (an audio-capable judge hears the output itself): raw bytes and
/// their MIME type (`audio/wav`, `audio/mpeg`).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AudioData {
    /// MIME type such as `audio/wav`.
    pub mime: String,
    /// The encoded audio bytes.
    #[serde(rename = "base64", with = "crate::serde_util::base64_bytes")]
    pub bytes: Vec<u8>,
}

impl AudioData {
    /// Wraps encoded audio bytes.
    pub fn new(mime: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            mime: mime.into(),
            bytes: bytes.into(),
        }
    }

    /// The `format` of an OpenAI `input_audio` part (`wav` or `mp3`), if the MIME type is one.
    pub fn openai_format(&self) -> Option<&'static str> {
        match crate::mime::canonical(&self.mime) {
            Some(crate::mime::WAV) => Some("wav"),
            Some(crate::mime::MP3) => Some("mp3"),
            _ => None,
        }
    }
}

impl fmt::Debug for AudioData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudioData")
            .field("mime", &self.mime)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Part {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image input.
    Image {
        /// The image.
        #[serde(flatten)]
        image: ImageData,
    },
    /// An audio input (OpenAI `input_audio`, Gemini inline data).
    Audio {
        /// The audio.
        #[serde(flatten)]
        audio: AudioData,
    },
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said: text and image parts, in order.
    pub parts: Vec<Part>,
}

impl Message {
    /// A message with the given parts.
    pub fn new(role: Role, parts: Vec<Part>) -> Self {
        Self { role, parts }
    }

    /// A text-only message.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Self::new(role, vec![Part::Text { text: text.into() }])
    }

    /// All text parts joined with newlines.
    pub fn joined_text(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            if let Part::Text { text } = part {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(text);
            }
        }
        out
    }
}

/// Sampling settings. `None` leaves the provider's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GenerationSettings {
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Maximum number of tokens to generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling seed, for providers that support reproducible sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// An OpenAI-compatible `response_format` value as JSON text (for example a `json_schema`
    /// structured-output request). Sent as is by OpenAI-compatible chat providers; providers
    /// without the field ignore it. A server that rejects it answers with a
    /// [`ModelError::BadRequest`] (status 400), which the caller may take as "not supported".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<String>,
}

/// A request to a [`TargetModel`](crate::TargetModel): a conversation plus settings and ids.
///
/// ```
/// use assurai_models::{GenerationRequest, ImageData};
/// let req = GenerationRequest::new("req-1")
///     .instance("TXT-0001")
///     .system("You are a helpful assistant.")
///     .user("안녕하세요?")
///     .user_image("What is in this picture?", ImageData::new("image/png", vec![0x89, b'P']))
///     .temperature(0.0)
///     .max_tokens(256);
/// assert_eq!(req.messages.len(), 3);
/// assert_eq!(req.last_user_text(), Some("What is in this picture?".to_owned()));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GenerationRequest {
    /// Unique id of this request (for logs and result files). Not part of the cache key.
    pub request_id: String,
    /// The dataset instance this request comes from; replay models look recordings up by it.
    /// Not part of the cache key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// The conversation, oldest turn first.
    pub messages: Vec<Message>,
    /// Sampling settings.
    #[serde(default)]
    pub settings: GenerationSettings,
}

impl GenerationRequest {
    /// An empty request with the given request id.
    pub fn new(request_id: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            instance_id: None,
            messages: Vec::new(),
            settings: GenerationSettings::default(),
        }
    }

    /// A single-turn text request.
    pub fn prompt(request_id: impl Into<String>, prompt: impl Into<String>) -> Self {
        Self::new(request_id).user(prompt)
    }

    /// Sets the dataset instance id.
    pub fn instance(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id = Some(instance_id.into());
        self
    }

    /// Appends a message.
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// Appends a system message.
    pub fn system(self, text: impl Into<String>) -> Self {
        self.message(Message::text(Role::System, text))
    }

    /// Appends a user message.
    pub fn user(self, text: impl Into<String>) -> Self {
        self.message(Message::text(Role::User, text))
    }

    /// Appends a user message made of text followed by an image.
    pub fn user_image(self, text: impl Into<String>, image: ImageData) -> Self {
        self.message(Message::new(
            Role::User,
            vec![Part::Text { text: text.into() }, Part::Image { image }],
        ))
    }

    /// Appends an assistant message (an earlier model turn).
    pub fn assistant(self, text: impl Into<String>) -> Self {
        self.message(Message::text(Role::Assistant, text))
    }

    /// Replaces the settings.
    pub fn settings(mut self, settings: GenerationSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Sets the temperature.
    pub fn temperature(mut self, t: f32) -> Self {
        self.settings.temperature = Some(t);
        self
    }

    /// Sets the maximum number of generated tokens.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.settings.max_tokens = Some(n);
        self
    }

    /// Sets the sampling seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = Some(seed);
        self
    }

    /// Sets the `response_format` (JSON text, see [`GenerationSettings::response_format`]).
    pub fn response_format(mut self, json: impl Into<String>) -> Self {
        self.settings.response_format = Some(json.into());
        self
    }

    /// Adds a stop sequence.
    pub fn stop(mut self, stop: impl Into<String>) -> Self {
        self.settings.stop.push(stop.into());
        self
    }

    /// The text of the last user message, if any (the prompt for image, video and speech models).
    pub fn last_user_text(&self) -> Option<String> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(Message::joined_text)
    }

    /// Whether any message carries an image.
    pub fn has_images(&self) -> bool {
        self.messages
            .iter()
            .any(|m| m.parts.iter().any(|p| matches!(p, Part::Image { .. })))
    }
}
