//! [`GuardBackend`]: where a guard judge sends its requests.

use std::sync::Arc;

use assurai_models::providers::OpenAiJson;
use async_trait::async_trait;

use crate::JudgeError;

/// An OpenAI-compatible server that takes JSON bodies: what a [`GuardJudge`](crate::GuardJudge)
/// talks to. Implemented for [`OpenAiJson`] (vLLM, Ollama, SGLang, llama.cpp's server, …); a
/// test or an in-process model can implement it too.
#[async_trait]
pub trait GuardBackend: Send + Sync {
    /// The model name put into request bodies.
    fn model(&self) -> &str;

    /// Posts a JSON body to `path` (`/chat/completions` or `/completions`) and returns the
    /// response body of a successful answer.
    ///
    /// # Errors
    /// [`JudgeError::Backend`], retryable when trying again can help.
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, JudgeError>;
}

#[async_trait]
impl GuardBackend for OpenAiJson {
    fn model(&self) -> &str {
        OpenAiJson::model(self)
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, JudgeError> {
        OpenAiJson::post(self, path, body)
            .await
            .map_err(crate::llm::backend)
    }
}

#[async_trait]
impl<T: GuardBackend + ?Sized> GuardBackend for Arc<T> {
    fn model(&self) -> &str {
        (**self).model()
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, JudgeError> {
        (**self).post(path, body).await
    }
}

#[async_trait]
impl<T: GuardBackend + ?Sized> GuardBackend for Box<T> {
    fn model(&self) -> &str {
        (**self).model()
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Result<Vec<u8>, JudgeError> {
        (**self).post(path, body).await
    }
}
