//! [`ConcurrencyLimit`]: at most N calls in flight.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Semaphore;

use crate::{Generation, GenerationRequest, ModelError, TargetModel};

/// Lets at most `n` calls to the inner model run at once; the rest wait their turn.
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit<M> {
    inner: M,
    permits: Arc<Semaphore>,
}

impl<M: TargetModel> ConcurrencyLimit<M> {
    /// Wraps `inner` with `n` permits (at least 1).
    pub fn new(inner: M, n: usize) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS))),
        }
    }
}

#[async_trait]
impl<M: TargetModel> TargetModel for ConcurrencyLimit<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let t0 = tokio::time::Instant::now();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ModelError::config("concurrency limiter closed"))?;
        super::wait::note(t0.elapsed());
        self.inner.generate(request).await
    }
}
