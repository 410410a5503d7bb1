//! [`RateLimit`]: at most N attempts per period, shared across tasks.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::{Generation, GenerationRequest, ModelError, TargetModel};

/// A shared budget of `n` starts per `period`: in any window of length `period`, at most `n`
/// callers are let through. Clones share the budget, so one limiter can cover several models
/// that draw on the same provider quota.
///
/// Callers are admitted in the order they ask; each reserves its slot and sleeps until it.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    n: usize,
    period: Duration,
    recent: Arc<Mutex<VecDeque<Instant>>>,
}

impl RateLimiter {
    /// `n` starts per `period` (`n` at least 1). The paper's video runs: `RateLimiter::new(10,
    /// Duration::from_secs(60))`.
    pub fn new(n: usize, period: Duration) -> Self {
        let n = n.max(1);
        Self {
            n,
            period,
            recent: Arc::new(Mutex::new(VecDeque::with_capacity(n))),
        }
    }

    /// Waits until the caller may start.
    pub async fn acquire(&self) {
        let slot = {
            let now = Instant::now();
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            let slot = if recent.len() < self.n {
                now
            } else {
                let nth_last = recent[recent.len() - self.n];
                (nth_last + self.period).max(now)
            };
            recent.push_back(slot);
            while recent.len() > self.n {
                recent.pop_front();
            }
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Admits calls to the inner model through a [`RateLimiter`].
#[derive(Debug, Clone)]
pub struct RateLimit<M> {
    inner: M,
    limiter: RateLimiter,
}

impl<M: TargetModel> RateLimit<M> {
    /// Wraps `inner` with its own limiter of `n` calls per `period`.
    pub fn new(inner: M, n: usize, period: Duration) -> Self {
        Self::shared(inner, RateLimiter::new(n, period))
    }

    /// Wraps `inner` with a limiter shared with other models.
    pub fn shared(inner: M, limiter: RateLimiter) -> Self {
        Self { inner, limiter }
    }
}

#[async_trait]
impl<M: TargetModel> TargetModel for RateLimit<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let t0 = Instant::now();
        self.limiter.acquire().await;
        super::wait::note(t0.elapsed());
        self.inner.generate(request).await
    }
}
