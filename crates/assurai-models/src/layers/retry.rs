//! [`Retry`]: try again after retryable errors, with exponential backoff, jitter and `Retry-After`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::{
    AttemptOutcome, AttemptRecord, Generation, GenerationRequest, ModelError, TargetModel, Usage,
};

/// When and how often [`Retry`] tries again.
///
/// The delay before retry *n* (1-based) is `initial_backoff × multiplier^(n−1)`, capped at
/// `max_backoff`, then — with jitter on — drawn uniformly from the upper half of that value
/// ("equal jitter"). A server's `Retry-After` replaces the computed delay. Retrying stops after
/// `max_attempts` attempts, or when the next delay would end past the total `budget`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    multiplier: f64,
    jitter: bool,
    budget: Option<Duration>,
    retry_malformed: bool,
}

impl Default for RetryPolicy {
    /// 4 attempts, 500 ms initial backoff doubling up to 30 s, jitter on, 10-minute budget,
    /// malformed responses not retried.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: true,
            budget: Some(Duration::from_secs(600)),
            retry_malformed: false,
        }
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the maximum number of attempts, including the first (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the first backoff and its cap.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the growth factor between backoffs (at least 1).
    pub fn multiplier(mut self, m: f64) -> Self {
        self.multiplier = if m.is_finite() { m.max(1.0) } else { 2.0 };
        self
    }

    /// Turns jitter on or off (off gives exact, reproducible delays).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Sets the total time budget from the first attempt (`None`: unlimited).
    pub fn budget(mut self, budget: Option<Duration>) -> Self {
        self.budget = budget;
        self
    }

    /// Also retries [`ModelError::MalformedResponse`] (off by default).
    pub fn retry_malformed(mut self, on: bool) -> Self {
        self.retry_malformed = on;
        self
    }

    /// Whether this policy retries the error.
    pub fn retries(&self, err: &ModelError) -> bool {
        err.is_retryable()
            || (self.retry_malformed && matches!(err, ModelError::MalformedResponse { .. }))
    }

    /// The backoff before retry `n` (1-based), without jitter.
    pub fn base_delay(&self, n: u32) -> Duration {
        let exp = self.multiplier.powi(n.saturating_sub(1).min(64) as i32);
        let secs = (self.initial_backoff.as_secs_f64() * exp).min(self.max_backoff.as_secs_f64());
        Duration::from_secs_f64(secs)
    }

    fn delay(&self, n: u32, err: &ModelError) -> Duration {
        if let Some(d) = err.retry_after() {
            return d;
        }
        let base = self.base_delay(n);
        if self.jitter {
            base / 2 + base.mul_f64(unit_random() / 2.0)
        } else {
            base
        }
    }
}

/// A uniform number in [0, 1) from a process-wide SplitMix64 sequence.
fn unit_random() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut s = STATE.load(Ordering::Relaxed);
    if s == 0 {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5EED)
            | 1;
        let _ = STATE.compare_exchange(0, seed, Ordering::Relaxed, Ordering::Relaxed);
    }
    s = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    let mut z = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Retries retryable errors of the inner model according to a [`RetryPolicy`]. Failed attempts
/// are recorded in [`Generation::attempts`] of the eventual success; when all attempts fail, the
/// last error is returned, and the number of attempts made is reported to an enclosing
/// [`count_calls`](super::count_calls).
#[derive(Debug, Clone)]
pub struct Retry<M> {
    inner: M,
    policy: RetryPolicy,
}

impl<M: TargetModel> Retry<M> {
    /// Wraps `inner`.
    pub fn new(inner: M, policy: RetryPolicy) -> Self {
        Self { inner, policy }
    }
}

#[async_trait]
impl<M: TargetModel> TargetModel for Retry<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let start = Instant::now();
        let mut log = Vec::new();
        let mut attempt = 1;
        loop {
            let t0 = Instant::now();
            super::count::count_one();
            // Waits for a rate-limit slot or a permit inside the attempt are not model latency.
            let (result, waited) = super::wait::measured(self.inner.generate(request)).await;
            match result {
                Ok(mut g) => {
                    if !log.is_empty() {
                        log.append(&mut g.attempts);
                        g.attempts = log;
                    }
                    return Ok(g);
                }
                Err(err) => {
                    if !self.policy.retries(&err) || attempt >= self.policy.max_attempts {
                        return Err(err);
                    }
                    let delay = self.policy.delay(attempt, &err);
                    if let Some(budget) = self.policy.budget
                        && start.elapsed() + delay > budget
                    {
                        return Err(err);
                    }
                    log.push(AttemptRecord {
                        outcome: AttemptOutcome::Error {
                            kind: err.kind(),
                            message: err.to_string(),
                        },
                        latency: t0.elapsed().saturating_sub(waited),
                        usage: Usage::default(),
                    });
                    tracing::info!(
                        request = %request.request_id,
                        attempt,
                        wait_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %err,
                        "retrying after a retryable error"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        let p = RetryPolicy::new()
            .backoff(Duration::from_millis(100), Duration::from_millis(1000))
            .jitter(false);
        let got: Vec<u128> = (1..=6).map(|n| p.base_delay(n).as_millis()).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn jitter_stays_in_upper_half() {
        let p = RetryPolicy::new().backoff(Duration::from_secs(1), Duration::from_secs(1));
        let err = ModelError::Transient {
            status: Some(503),
            message: String::new(),
        };
        for _ in 0..1000 {
            let d = p.delay(1, &err);
            assert!(
                d >= Duration::from_millis(500) && d <= Duration::from_secs(1),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_wins() {
        let p = RetryPolicy::new();
        let err = ModelError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
            message: String::new(),
        };
        assert_eq!(p.delay(3, &err), Duration::from_secs(7));
    }
}
