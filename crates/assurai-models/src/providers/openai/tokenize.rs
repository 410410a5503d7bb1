//! `POST /tokenize`: how many tokens a server's own tokenizer makes of a conversation, without
//! generating anything (llama.cpp's server and vLLM have this endpoint; OpenAI's API does not).

use serde_json::{Value, json};

use super::{Endpoint, OpenAiConfig};
use crate::{Message, ModelError};

/// The token count of a conversation, from a server's `/tokenize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCount {
    /// Tokens of the conversation.
    pub tokens: u64,
    /// The server's context length, when it says (vLLM's `max_model_len`).
    pub max_model_len: Option<u64>,
    /// Whether the count includes the chat template (vLLM tokenizes the messages through the
    /// model's template; llama.cpp's server tokenizes the text of the messages only, without
    /// the few tokens the template adds per message).
    pub chat_template: bool,
}

/// A server's tokenizer endpoint: `POST {server}/tokenize`, where `{server}` is the base URL
/// without its trailing `/v1` (llama.cpp and vLLM serve it at the root).
///
/// One request body fits both servers: vLLM reads `model` and `messages` (its chat form, with
/// the generation prompt) and answers `{"count", "max_model_len", "tokens"}`; llama.cpp reads
/// `content` (the messages' text joined by newlines) and answers `{"tokens": [...]}`. A server
/// that answers 404 there is asked llama-cpp-python's `POST {server}/extras/tokenize`
/// (`{"input": …}` → `{"tokens": [...]}`) once; the endpoint that answered is kept.
///
/// ```no_run
/// use assurai_models::{Message, Role};
/// use assurai_models::providers::{OpenAiConfig, OpenAiTokenizer};
/// # async fn f() -> Result<(), assurai_models::ModelError> {
/// let t = OpenAiTokenizer::new(OpenAiConfig::new("http://127.0.0.1:8080/v1", "local"))?;
/// assert_eq!(t.url(), "http://127.0.0.1:8080/tokenize");
/// let n = t.count(&[Message::text(Role::User, "안녕하세요")]).await?;
/// println!("{} tokens", n.tokens);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OpenAiTokenizer {
    model: String,
    endpoint: Endpoint,
    url: String,
    /// 0: `/tokenize`; 1: `/extras/tokenize` (it answered where `/tokenize` was a 404).
    extras: std::sync::atomic::AtomicBool,
}

impl OpenAiTokenizer {
    /// The tokenizer of the server `config` points at.
    ///
    /// # Errors
    /// [`ModelError::Config`] for a bad base URL or header.
    pub fn new(mut config: OpenAiConfig) -> Result<Self, ModelError> {
        if let Some(root) = config.base_url.strip_suffix("/v1") {
            config.base_url = root.to_owned();
        }
        let endpoint = Endpoint::new(&config)?;
        Ok(Self {
            model: config.model,
            url: endpoint.url("/tokenize"),
            endpoint,
            extras: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The URL requests go to first (`{server}/tokenize`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Counts the tokens of `messages` (their text parts; images and audio are not sent).
    ///
    /// # Errors
    /// The server's status error (a 404 when it has no `/tokenize`), a transport error, or
    /// [`ModelError::MalformedResponse`] when the answer has neither `count` nor `tokens`.
    pub async fn count(&self, messages: &[Message]) -> Result<TokenCount, ModelError> {
        let chat: Vec<Value> = messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.joined_text()}))
            .collect();
        let content = messages
            .iter()
            .map(Message::joined_text)
            .collect::<Vec<_>>()
            .join("\n");
        use std::sync::atomic::Ordering;
        if !self.extras.load(Ordering::Relaxed) {
            let body = json!({
                "model": self.model,
                "messages": chat,
                "add_generation_prompt": true,
                "content": content,
            });
            match self.post("/tokenize", &body).await {
                Err(ModelError::BadRequest {
                    status: Some(404), ..
                }) => {}
                other => return other,
            }
        }
        let body = json!({"model": self.model, "input": content});
        let n = self.post("/extras/tokenize", &body).await?;
        self.extras.store(true, Ordering::Relaxed);
        Ok(n)
    }

    async fn post(&self, path: &str, body: &Value) -> Result<TokenCount, ModelError> {
        let body = serde_json::to_vec(body).map_err(|e| ModelError::BadRequest {
            status: None,
            message: format!("cannot encode the {path} request: {e}"),
        })?;
        // A blocked answer makes no sense here: any non-2xx is the status error.
        let r = match self.endpoint.post_json(path, body).await? {
            Ok(r) => r,
            Err(_) => {
                return Err(ModelError::malformed(format!(
                    "{path} answered with a content-policy refusal"
                )));
            }
        };
        let v: Value = serde_json::from_slice(&r.body).map_err(|e| {
            self.endpoint.malformed(
                &format!("/tokenize answer is not valid JSON ({e})"),
                &r.body,
            )
        })?;
        let max_model_len = v.get("max_model_len").and_then(Value::as_u64);
        if let Some(n) = v.get("count").and_then(Value::as_u64) {
            return Ok(TokenCount {
                tokens: n,
                max_model_len,
                chat_template: true,
            });
        }
        match v.get("tokens").and_then(Value::as_array) {
            Some(tokens) => Ok(TokenCount {
                tokens: tokens.len() as u64,
                max_model_len,
                chat_template: false,
            }),
            None => Err(self.endpoint.malformed(
                &format!("{path} answer has neither `count` nor `tokens`"),
                &r.body,
            )),
        }
    }
}
