//! OpenAI-compatible HTTP providers: chat completions, image generation, speech, transcription
//! and video jobs.
//!
//! Works with OpenAI, Ollama (`http://127.0.0.1:11434/v1`), vLLM, llama.cpp's server, LM Studio,
//! Gemini's OpenAI-compatible endpoint and anything else that speaks the same JSON.

mod chat;
mod images;
mod json;
mod speech;
mod tokenize;
mod transcription;
mod video;

pub use chat::OpenAiChat;
pub use images::OpenAiImages;
pub use json::OpenAiJson;
pub use speech::OpenAiSpeech;
pub use tokenize::{OpenAiTokenizer, TokenCount};
pub use transcription::OpenAiTranscriber;
pub use video::OpenAiVideo;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use super::http::{self, HttpClient};
use crate::{ModelError, Secret};

/// The default base URL, `https://api.openai.com/v1`.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

/// Whether `url` is OpenAI's own API (`https://api.openai.com`, any path): the only host the
/// default `OPENAI_API_KEY` is sent to without being named.
///
/// ```
/// use assurai_models::providers::is_openai_host;
/// assert!(is_openai_host("https://api.openai.com/v1"));
/// assert!(is_openai_host("https://API.openai.com:443/v1/"));
/// assert!(!is_openai_host("http://api.openai.com/v1"));
/// assert!(!is_openai_host("https://api.openai.com.evil.example/v1"));
/// assert!(!is_openai_host("http://127.0.0.1:8080/v1"));
/// ```
pub fn is_openai_host(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    let host = authority
        .strip_suffix(":443")
        .unwrap_or(authority)
        .to_ascii_lowercase();
    host == "api.openai.com"
}

/// Where and how to reach an OpenAI-compatible server; shared by all OpenAI-compatible providers.
///
/// `Debug` never shows the key or header values.
///
/// ```
/// use assurai_models::providers::OpenAiConfig;
/// let cfg = OpenAiConfig::new("http://127.0.0.1:11434/v1", "exaone3.5:7.8b")
///     .api_key("sk-secret")
///     .header("X-Team", "safety")
///     .stream(true);
/// assert!(!format!("{cfg:?}").contains("sk-secret"));
/// ```
#[derive(Clone, Debug)]
pub struct OpenAiConfig {
    base_url: String,
    model: String,
    api_key: Option<Secret>,
    headers: Vec<(String, Secret)>,
    stream: bool,
    id: Option<String>,
    client: Option<HttpClient>,
    max_response_bytes: usize,
}

/// Default cap on one response body: 256 MiB (enough for a generated video).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 256 << 20;

impl OpenAiConfig {
    /// A configuration for `model` at `base_url` (the part before `/chat/completions`, usually
    /// ending in `/v1`).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            model: model.into(),
            api_key: None,
            headers: Vec::new(),
            stream: false,
            id: None,
            client: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Caps the size of one response body (default [`DEFAULT_MAX_RESPONSE_BYTES`]); a larger
    /// body is a [`ModelError::MalformedResponse`], never an unbounded allocation.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Sends `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Reads the API key from the environment variable `var`.
    ///
    /// # Errors
    /// [`ModelError::Config`] naming the variable when it is unset or empty.
    pub fn api_key_env(mut self, var: &str) -> Result<Self, ModelError> {
        let key = Secret::from_env(var).ok_or_else(|| {
            ModelError::config(format!("environment variable {var} is not set or empty"))
        })?;
        self.api_key = Some(key);
        Ok(self)
    }

    /// Adds an extra header to every request (its value is treated as a secret).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Uses streaming (SSE) chat completions. The assembled [`Generation`](crate::Generation) is
    /// the same as without streaming.
    pub fn stream(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// Overrides the model id reported by [`TargetModel::id`](crate::TargetModel::id)
    /// (default: `openai:MODEL@BASE_URL`).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Uses this connection pool instead of [`HttpClient::shared`].
    pub fn client(mut self, client: HttpClient) -> Self {
        self.client = Some(client);
        self
    }

    /// The model name sent to the server.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn default_id(&self, scheme: &str) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("{scheme}:{}@{}", self.model, self.base_url))
    }
}

/// A ready-to-use endpoint: client, base URL, authentication headers, secrets to redact.
#[derive(Debug)]
pub(crate) struct Endpoint {
    client: reqwest::Client,
    base_url: String,
    headers: HeaderMap,
    secrets: Vec<Secret>,
    max_response_bytes: usize,
    /// The first path posted to, parsed once: a provider posts to one path on every call, and
    /// parsing the URL (IDNA host processing included) is a measurable part of a local call.
    posted: std::sync::OnceLock<(String, reqwest::Url)>,
}

/// A whole response: status, headers and body.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Endpoint {
    pub(crate) fn new(cfg: &OpenAiConfig) -> Result<Self, ModelError> {
        if !(cfg.base_url.starts_with("http://") || cfg.base_url.starts_with("https://")) {
            return Err(ModelError::config(format!(
                "base URL must start with http:// or https://, got {:?}",
                cfg.base_url
            )));
        }
        let client = match &cfg.client {
            Some(c) => c.0.clone(),
            None => HttpClient::shared()?.0,
        };
        let mut headers = HeaderMap::new();
        let mut secrets = Vec::new();
        if let Some(key) = &cfg.api_key {
            let mut v =
                HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                    ModelError::config("API key contains characters not allowed in an HTTP header")
                })?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
            secrets.push(key.clone());
        }
        for (name, value) in &cfg.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ModelError::config(format!("invalid header name {name:?}")))?;
            let mut v = HeaderValue::from_str(value.expose())
                .map_err(|_| ModelError::config(format!("invalid value for header {name:?}")))?;
            v.set_sensitive(true);
            headers.insert(n, v);
            secrets.push(value.clone());
        }
        Ok(Self {
            client,
            base_url: cfg.base_url.clone(),
            headers,
            secrets,
            max_response_bytes: cfg.max_response_bytes,
            posted: std::sync::OnceLock::new(),
        })
    }

    pub(crate) fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub(crate) fn post(&self, path: &str) -> reqwest::RequestBuilder {
        let rb = match self.posted_url(path) {
            Some(url) => self.client.post(url),
            // Not parseable: reqwest reports it when the request is sent, as before.
            None => self.client.post(self.url(path)),
        };
        rb.headers(self.headers.clone())
    }

    /// The parsed URL of `path` when it is the path this endpoint posts to (parsed on first use).
    fn posted_url(&self, path: &str) -> Option<reqwest::Url> {
        if let Some((p, url)) = self.posted.get() {
            return (p == path).then(|| url.clone());
        }
        let url = reqwest::Url::parse(&self.url(path)).ok()?;
        let (p, url) = self.posted.get_or_init(|| (path.to_owned(), url));
        (p == path).then(|| url.clone())
    }

    pub(crate) fn post_url(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.post(url).headers(self.headers.clone())
    }

    pub(crate) fn get_url(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.get(url).headers(self.headers.clone())
    }

    /// Sends the request; returns the response for streaming.
    pub(crate) async fn send(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ModelError> {
        rb.send()
            .await
            .map_err(|e| http::send_error(e, &self.secrets))
    }

    /// Sends the request and reads the whole body.
    pub(crate) async fn send_read(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<RawResponse, ModelError> {
        let resp = self.send(rb).await?;
        self.read(resp).await
    }

    pub(crate) async fn read(
        &self,
        mut resp: reqwest::Response,
    ) -> Result<RawResponse, ModelError> {
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let limit = self.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(self.too_large());
        }
        let mut body = Vec::with_capacity(
            resp.content_length()
                .map_or(8192, |n| n.min(1 << 20) as usize),
        );
        while let Some(chunk) = self.chunk(&mut resp).await? {
            let chunk = chunk.as_ref();
            self.count(body.len(), chunk.len())?;
            body.extend_from_slice(chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// The next piece of a response body.
    pub(crate) async fn chunk(
        &self,
        resp: &mut reqwest::Response,
    ) -> Result<Option<impl AsRef<[u8]> + use<>>, ModelError> {
        resp.chunk()
            .await
            .map_err(|e| http::send_error(e, &self.secrets))
    }

    /// Fails once `so_far + more` bytes would exceed the response limit.
    pub(crate) fn count(&self, so_far: usize, more: usize) -> Result<(), ModelError> {
        if so_far.saturating_add(more) > self.max_response_bytes {
            return Err(self.too_large());
        }
        Ok(())
    }

    fn too_large(&self) -> ModelError {
        ModelError::malformed(format!(
            "response body exceeds the {} byte limit",
            self.max_response_bytes
        ))
    }

    /// Sorts a whole answer by status: `Ok(Ok(r))` for a 2xx, `Ok(Err(blocked))` when a 4xx
    /// carries a content-policy refusal (the provider blocked the request), else the status error.
    pub(crate) fn check(
        &self,
        r: RawResponse,
    ) -> Result<Result<RawResponse, crate::Blocked>, ModelError> {
        if (200..300).contains(&r.status) {
            return Ok(Ok(r));
        }
        if may_be_block(r.status)
            && let Some(b) = super::block::from_error_body(&r.body)
        {
            return Ok(Err(b));
        }
        Err(self.status_error(&r))
    }

    /// Posts a JSON body to `path`, reads the whole answer and sorts it (see [`Self::check`]).
    pub(crate) async fn post_json(
        &self,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Result<RawResponse, crate::Blocked>, ModelError> {
        // The URL and size only: headers (the API key) are never logged.
        tracing::debug!(url = %self.url(path), bytes = body.len(), "HTTP request");
        let rb = self
            .post(path)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        let r = self.send_read(rb).await?;
        self.check(r)
    }

    /// The error for an unsuccessful response.
    pub(crate) fn status_error(&self, r: &RawResponse) -> ModelError {
        http::status_error(r.status, &r.headers, &r.body, &self.secrets)
    }

    /// A malformed-response error quoting the start of the body.
    pub(crate) fn malformed(&self, what: &str, body: &[u8]) -> ModelError {
        ModelError::malformed(http::redact_all(
            &self.secrets,
            format!("{what}; body starts: {}", http::excerpt(body)),
        ))
    }
}

/// Whether a status may carry a content-policy refusal (4xx other than auth and rate limits).
fn may_be_block(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 403 | 408 | 429)
}

/// The `Content-Type` header without parameters.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_owned())
        .filter(|v| !v.is_empty())
}
