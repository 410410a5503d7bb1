//! Layers: [`TargetModel`]s that wrap another one to add retries, rate limits, concurrency
//! limits, timeouts, regeneration of blocked outputs and caching; and [`ModelBuilder`], which
//! stacks them in the right order.

mod adaptive;
mod blocked;
mod breaker;
mod cache;
mod concurrency;
mod count;
mod rate_limit;
mod retry;
mod timeout;
mod wait;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use adaptive::{AdaptiveConcurrency, AdaptiveLimiter, AdaptiveStats, DECREASE};
pub use blocked::RetryOnBlocked;
pub use breaker::{Breaker, CONNECT_FAILED, CircuitBreaker, FailureClass};
pub use cache::Cache;
pub use concurrency::ConcurrencyLimit;
pub use count::count_calls;
pub use rate_limit::{RateLimit, RateLimiter};
pub use retry::{Retry, RetryPolicy};
pub use timeout::Timeout;

use crate::TargetModel;

/// Stacks layers around a model in a fixed, sensible order.
///
/// From the outside in: [`Cache`] → [`Breaker`] → [`RetryOnBlocked`] → [`Retry`] →
/// [`AdaptiveConcurrency`] → [`ConcurrencyLimit`] → [`RateLimit`] → [`Timeout`] → the model. So a cache hit costs nothing, every regeneration and
/// every retry is a separate rate-limited, time-limited attempt, and backoff sleeps do not hold a
/// concurrency permit.
///
/// ```
/// use std::time::Duration;
/// use assurai_models::layers::{ModelBuilder, RetryPolicy};
/// use assurai_models::providers::{RecordedOutput, ReplayModel};
///
/// let model = ModelBuilder::new(ReplayModel::from_entries("m", Vec::<RecordedOutput>::new()))
///     .retry(RetryPolicy::new().max_attempts(5))
///     .rate_limit(10, Duration::from_secs(60)) // the paper's video quota
///     .concurrency_limit(8)
///     .timeout(Duration::from_secs(120))
///     .retry_on_blocked(3)
///     .build();
/// assert_eq!(model.id(), "replay:m");
/// ```
#[must_use]
pub struct ModelBuilder {
    model: Arc<dyn TargetModel>,
    retry: Option<RetryPolicy>,
    rate: Option<RateLimiter>,
    concurrency: Option<usize>,
    timeout: Option<Duration>,
    blocked: Option<u32>,
    cache: Option<PathBuf>,
    breaker: Option<CircuitBreaker>,
    adaptive: Option<AdaptiveLimiter>,
}

impl std::fmt::Debug for ModelBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelBuilder")
            .field("model", &self.model.id())
            .field("retry", &self.retry)
            .field("rate", &self.rate)
            .field("concurrency", &self.concurrency)
            .field("timeout", &self.timeout)
            .field("retry_on_blocked", &self.blocked)
            .field("cache", &self.cache)
            .field("circuit_breaker", &self.breaker.is_some())
            .field("adaptive", &self.adaptive)
            .finish()
    }
}

impl ModelBuilder {
    /// Starts from a model.
    pub fn new(model: impl TargetModel + 'static) -> Self {
        Self::from_arc(Arc::new(model))
    }

    /// Starts from a shared model (e.g. one from the [`Registry`](crate::Registry)).
    pub fn from_arc(model: Arc<dyn TargetModel>) -> Self {
        Self {
            model,
            retry: None,
            rate: None,
            concurrency: None,
            timeout: None,
            blocked: None,
            cache: None,
            breaker: None,
            adaptive: None,
        }
    }

    /// Adds [`Retry`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Adds [`RateLimit`] with its own budget of `n` per `period`.
    pub fn rate_limit(self, n: usize, period: Duration) -> Self {
        self.shared_rate_limit(RateLimiter::new(n, period))
    }

    /// Adds [`RateLimit`] with a budget shared with other models.
    pub fn shared_rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.rate = Some(limiter);
        self
    }

    /// Adds [`ConcurrencyLimit`].
    pub fn concurrency_limit(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Adds a per-attempt [`Timeout`].
    pub fn timeout(mut self, after: Duration) -> Self {
        self.timeout = Some(after);
        self
    }

    /// Adds [`RetryOnBlocked`] with up to `n` regenerations.
    pub fn retry_on_blocked(mut self, n: u32) -> Self {
        self.blocked = Some(n);
        self
    }

    /// Adds an on-disk [`Cache`] in `dir`.
    pub fn cache(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache = Some(dir.into());
        self
    }

    /// Adds a [`CircuitBreaker`] (outside the retries, inside the cache).
    pub fn circuit_breaker(mut self, breaker: CircuitBreaker) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// Adds [`AdaptiveConcurrency`] with a limiter that may be shared with other models of the
    /// same server (inside the retries, in place of a fixed [`ConcurrencyLimit`]).
    pub fn adaptive_concurrency(mut self, limiter: AdaptiveLimiter) -> Self {
        self.adaptive = Some(limiter);
        self
    }

    /// Builds the stack.
    pub fn build(self) -> Arc<dyn TargetModel> {
        let mut m = self.model;
        if let Some(t) = self.timeout {
            m = Arc::new(Timeout::new(m, t));
        }
        if let Some(r) = self.rate {
            m = Arc::new(RateLimit::shared(m, r));
        }
        if let Some(n) = self.concurrency {
            m = Arc::new(ConcurrencyLimit::new(m, n));
        }
        if let Some(l) = self.adaptive {
            m = Arc::new(AdaptiveConcurrency::new(m, l));
        }
        if let Some(p) = self.retry {
            m = Arc::new(Retry::new(m, p));
        }
        if let Some(n) = self.blocked {
            m = Arc::new(RetryOnBlocked::new(m, n));
        }
        if let Some(b) = self.breaker {
            m = Arc::new(b.wrap(m));
        }
        if let Some(dir) = self.cache {
            m = Arc::new(Cache::new(m, dir));
        }
        m
    }
}
