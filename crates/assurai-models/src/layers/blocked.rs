//! [`RetryOnBlocked`]: ask again when the provider refused.

use std::borrow::Cow;

use async_trait::async_trait;

use crate::{
    AttemptOutcome, AttemptRecord, Generation, GenerationRequest, ModelError, Output, TargetModel,
    Usage,
};

/// Regenerates up to `max_regenerations` times when the inner model returns
/// [`Output::Blocked`] (the paper retried blocked image generations up to three times).
///
/// Every blocked attempt is kept in [`Generation::attempts`]; if all attempts are blocked, the
/// last block is returned as the output. If a regeneration fails with an error, the last block
/// is returned too, with the error as the final entry of its attempt log. When the request has a seed, regeneration *i* uses
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
        let mut last_block: Option<Generation> = None;
        loop {
            let req: Cow<'_, GenerationRequest> = match request.settings.seed {
                Some(seed) if regeneration > 0 => {
                    let mut r = request.clone();
                    r.settings.seed = Some(seed.wrapping_add(u64::from(regeneration)));
                    Cow::Owned(r)
                }
                _ => Cow::Borrowed(request),
            };
            let started = tokio::time::Instant::now();
            let mut g = match self.inner.generate(&req).await {
                Ok(g) => g,
                // A regeneration failed: the earlier block is the answer, with the failure logged.
                Err(err) if last_block.is_some() => {
                    let Some(mut blocked) = last_block else {
                        return Err(err);
                    };
                    log.pop();
                    log.push(AttemptRecord {
                        outcome: AttemptOutcome::Error {
                            kind: err.kind(),
                            message: err.to_string(),
                        },
                        latency: started.elapsed(),
                        usage: Usage::default(),
                    });
                    blocked.attempts = log;
                    return Ok(blocked);
                }
                Err(err) => return Err(err),
            };
            log.append(&mut g.attempts);
            match &g.output {
                Output::Blocked(b) if regeneration < self.max_regenerations => {
                    log.push(AttemptRecord {
                        outcome: AttemptOutcome::Blocked(b.clone()),
                        latency: g.latency,
                        usage: g.usage,
                    });
                    regeneration += 1;
                    last_block = Some(g);
                }
                _ => {
                    g.attempts = log;
                    return Ok(g);
                }
            }
        }
    }
}
