//! [`Timeout`]: give up on one attempt after a fixed time.

use std::time::Duration;

use async_trait::async_trait;

use crate::{Generation, GenerationRequest, ModelError, TargetModel};

/// Fails an attempt with [`ModelError::Timeout`] (retryable) when the inner model takes longer
/// than `after`. Put it inside [`Retry`](super::Retry) so the timeout is per attempt.
#[derive(Debug, Clone)]
pub struct Timeout<M> {
    inner: M,
    after: Duration,
}

impl<M: TargetModel> Timeout<M> {
    /// Wraps `inner`.
    pub fn new(inner: M, after: Duration) -> Self {
        Self { inner, after }
    }
}

#[async_trait]
impl<M: TargetModel> TargetModel for Timeout<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        tokio::time::timeout(self.after, self.inner.generate(request))
            .await
            .map_err(|_| ModelError::Timeout { after: self.after })?
    }
}
