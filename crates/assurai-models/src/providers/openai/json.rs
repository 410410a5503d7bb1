//! `POST {base}{path}` with a caller-built JSON body: for clients that need request fields the
//! [`TargetModel`](crate::TargetModel) interface does not carry (raw `/completions` prompts,
//! `logprobs`, `skip_special_tokens`, `chat_template_kwargs`), such as guard-model judges.

use super::{Endpoint, OpenAiConfig};
use crate::ModelError;

/// An OpenAI-compatible server reached with JSON bodies the caller builds itself.
///
/// Authentication, extra headers, the response size cap, status-to-error mapping and secret
/// redaction are the same as for [`OpenAiChat`](super::OpenAiChat); the body is sent as given and
/// the response body is returned as read. Retries are the caller's business (see
/// [`ModelError::is_retryable`]).
///
/// ```no_run
/// use assurai_models::providers::{OpenAiConfig, OpenAiJson};
/// # async fn demo() -> Result<(), assurai_models::ModelError> {
/// let server = OpenAiJson::new(OpenAiConfig::new("http://127.0.0.1:8000/v1", "Qwen/Qwen3Guard-Gen-4B"))?;
/// let body = format!(r#"{{"model":"{}","prompt":"Hello","max_tokens":1}}"#, server.model());
/// let reply = server.post("/completions", body.into_bytes()).await?;
/// # let _ = reply; Ok(()) }
/// ```
#[derive(Debug)]
pub struct OpenAiJson {
    id: String,
    model: String,
    endpoint: Endpoint,
}

impl OpenAiJson {
    /// Builds the client.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        Ok(Self {
            id: config.default_id("openai"),
            model: config.model.clone(),
            endpoint: Endpoint::new(&config)?,
        })
    }

    /// `openai:MODEL@BASE_URL`, or the id set in the configuration.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The model name to put in request bodies.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Posts `body` (JSON) to `path` below the base URL (e.g. `/chat/completions`) and returns the
    /// response body of a 2xx answer.
    ///
    /// # Errors
    /// The status mapped to a [`ModelError`] (429 rate limited, 5xx transient, other 4xx
    /// [`ModelError::BadRequest`] with the server's message), or a transport failure.
    pub async fn post(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, ModelError> {
        let rb = self
            .endpoint
            .post(path)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.answer(rb).await
    }

    /// GETs `path` below the base URL (e.g. `/models`) and returns the response body of a 2xx
    /// answer.
    ///
    /// # Errors
    /// As [`OpenAiJson::post`].
    pub async fn get(&self, path: &str) -> Result<Vec<u8>, ModelError> {
        let rb = self.endpoint.get_url(&self.endpoint.url(path));
        self.answer(rb).await
    }

    /// Posts `body` (JSON) to `path` at the server's root — the base URL without a last `/v1`
    /// segment — for the endpoints servers keep beside their OpenAI API (llama.cpp's and vLLM's
    /// `/tokenize`).
    ///
    /// # Errors
    /// As [`OpenAiJson::post`].
    pub async fn post_root(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, ModelError> {
        let base = self.endpoint.url("");
        let root = base.strip_suffix("/v1").unwrap_or(&base);
        let rb = self
            .endpoint
            .post_url(&format!("{root}{path}"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.answer(rb).await
    }

    async fn answer(&self, rb: reqwest::RequestBuilder) -> Result<Vec<u8>, ModelError> {
        let r = self.endpoint.send_read(rb).await?;
        if (200..300).contains(&r.status) {
            Ok(r.body)
        } else {
            Err(self.endpoint.status_error(&r))
        }
    }
}
