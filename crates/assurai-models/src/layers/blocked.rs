//! [`RetryOnBlocked`]: ask again when the provider refused.

use std::borrow::Cow;

use async_trait::async_trait;

use crate::{
    AttemptOutcome, AttemptRecord, Generation, GenerationRequest, ModelError, Output, TargetModel,
};

/// Regenerates up to `max_regenerations` times when the inner model returns
/// [`Output::Blocked`] (the paper retried blocked image generations up to three times).
///
/// Every blocked attempt is kept in [`Generation::attempts`]; if all attempts are blocked, the
/// last block is returned as the output. When the request has a seed, regeneration *i* uses
/// `seed + i` so that a deterministic provider can produce something different.
#[derive(Debug, Clone)]
pub struct RetryOnBlocked<M> {
    inner: M,
    max_regenerations: u32,
}

impl<M: TargetModel> RetryOnBlocked<M> {
    /// Wraps `inner`.
    pub fn new(inner: M, max_regenerations: u32) -> Self {
        Self {
            inner,
            max_regenerations,
        }
    }
}

#[async_trait]
impl<M: TargetModel> TargetModel for RetryOnBlocked<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let mut log = Vec::new();
        let mut regeneration = 0;
        loop {
            let req: Cow<'_, GenerationRequest> = match request.settings.seed {
                Some(seed) if regeneration > 0 => {
                    let mut r = request.clone();
                    r.settings.seed = Some(seed.wrapping_add(u64::from(regeneration)));
                    Cow::Owned(r)
                }
                _ => Cow::Borrowed(request),
            };
            let mut g = self.inner.generate(&req).await?;
            log.append(&mut g.attempts);
            match &g.output {
                Output::Blocked(b) if regeneration < self.max_regenerations => {
                    log.push(AttemptRecord {
                        outcome: AttemptOutcome::Blocked(b.clone()),
                        latency: g.latency,
                        usage: g.usage,
                    });
                    regeneration += 1;
                }
                _ => {
                    g.attempts = log;
                    return Ok(g);
                }
            }
        }
    }
}
