//! [`AdaptiveConcurrency`]: as many calls in flight as the server takes, found by AIMD.

use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::{Generation, GenerationRequest, ModelError, TargetModel};

/// A concurrency limit that adapts to the server: it grows while calls succeed and shrinks when
/// the server says it is overloaded — HTTP 429 or 503 (or 502, 504, 529), a timeout, or a 500
/// whose message speaks of overload — and pauses every new call for a server's `Retry-After`.
///
/// The growth is TCP's: one more call in flight per success until the first overload ("slow
/// start"), then one more per `limit` successes (additive increase); an overload multiplies the
/// limit by [`DECREASE`] (multiplicative decrease; ¾ rather than TCP's ½, so the limit saws between
/// ¾ of the server's capacity and the capacity instead of dropping to half), at most once per
/// round of calls — failures of calls that
/// started before the last decrease do not decrease it again. The limit stays within
/// `1..=max`. Clones share the limit, so the target and the judges on one base URL can draw on
/// one server's capacity.
///
/// ```
/// use assurai_models::layers::AdaptiveLimiter;
/// let l = AdaptiveLimiter::new(64);
/// assert_eq!(l.max(), 64);
/// assert!(l.limit() >= 1 && l.limit() <= 64);
/// ```
#[derive(Debug, Clone)]
pub struct AdaptiveLimiter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    max: usize,
    state: Mutex<State>,
    notify: Notify,
}

#[derive(Debug)]
struct State {
    limit: f64,
    in_flight: usize,
    slow_start: bool,
    paused_until: Option<Instant>,
    last_decrease: Option<Instant>,
    decreases: u64,
    overloads: u64,
}

/// A snapshot of an [`AdaptiveLimiter`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct AdaptiveStats {
    /// The current limit.
    pub limit: usize,
    /// Calls in flight now.
    pub in_flight: usize,
    /// Overload answers seen.
    pub overloads: u64,
    /// Times the limit was decreased.
    pub decreases: u64,
}

/// The factor an overload multiplies the limit by.
pub const DECREASE: f64 = 0.75;

/// The starting limit: small, so a server that takes few calls is not flooded at the start.
const INITIAL: f64 = 4.0;

impl AdaptiveLimiter {
    /// A limiter that never lets more than `max` calls run at once (at least 1).
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Self {
            inner: Arc::new(Inner {
                max,
                state: Mutex::new(State {
                    limit: INITIAL.min(max as f64),
                    in_flight: 0,
                    slow_start: true,
                    paused_until: None,
                    last_decrease: None,
                    decreases: 0,
                    overloads: 0,
                }),
                notify: Notify::new(),
            }),
        }
    }

    /// The upper bound.
    pub fn max(&self) -> usize {
        self.inner.max
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.stats().limit
    }

    /// The current limit, calls in flight and counters.
    pub fn stats(&self) -> AdaptiveStats {
        let s = self.lock();
        AdaptiveStats {
            limit: s.limit as usize,
            in_flight: s.in_flight,
            overloads: s.overloads,
            decreases: s.decreases,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot; the returned permit must be given back to [`Self::complete`] (dropping
    /// it also frees the slot, without adapting the limit).
    async fn acquire(&self) -> Permit {
        loop {
            let mut notified = pin!(self.inner.notify.notified());
            notified.as_mut().enable();
            let pause = {
                let mut s = self.lock();
                let now = Instant::now();
                match s.paused_until {
                    Some(t) if t > now => Some(t),
                    _ => {
                        s.paused_until = None;
                        if s.in_flight < (s.limit as usize).max(1) {
                            s.in_flight += 1;
                            return Permit {
                                limiter: self.clone(),
                                started: now,
                                done: false,
                            };
                        }
                        None
                    }
                }
            };
            match pause {
                Some(until) => {
                    let _woken_or_elapsed = tokio::time::timeout_at(until, notified).await;
                }
                None => notified.await,
            }
        }
    }

    /// Frees the permit's slot and adapts the limit to how the call ended.
    fn complete(&self, mut permit: Permit, result: &Result<Generation, ModelError>) {
        permit.done = true;
        let now = Instant::now();
        let max = self.inner.max as f64;
        {
            let mut s = self.lock();
            s.in_flight = s.in_flight.saturating_sub(1);
            match result {
                Err(e) if is_overload(e) => {
                    s.overloads += 1;
                    if let Some(d) = e.retry_after() {
                        let until = now + d.min(Duration::from_secs(600));
                        s.paused_until = Some(s.paused_until.map_or(until, |t| t.max(until)));
                    }
                    if s.last_decrease.is_none_or(|t| permit.started >= t) {
                        s.limit = (s.limit * DECREASE).max(1.0);
                        s.slow_start = false;
                        s.last_decrease = Some(now);
                        s.decreases += 1;
                    }
                }
                Ok(_) => {
                    let step = if s.slow_start { 1.0 } else { 1.0 / s.limit };
                    s.limit = (s.limit + step).min(max);
                }
                Err(_) => {}
            }
        }
        self.inner.notify.notify_waiters();
    }
}

/// Whether an error says the server has more work than it can take.
pub(crate) fn is_overload(err: &ModelError) -> bool {
    match err {
        ModelError::RateLimited { .. } | ModelError::Timeout { .. } => true,
        ModelError::Transient {
            status: Some(502 | 503 | 504 | 529),
            ..
        } => true,
        ModelError::Transient {
            status: Some(500),
            message,
        } => {
            let m = message.to_ascii_lowercase();
            ["overload", "busy", "capacity", "too many", "unavailable"]
                .iter()
                .any(|w| m.contains(w))
        }
        _ => false,
    }
}

struct Permit {
    limiter: AdaptiveLimiter,
    started: Instant,
    done: bool,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            {
                let mut s = self.limiter.lock();
                s.in_flight = s.in_flight.saturating_sub(1);
            }
            self.limiter.inner.notify.notify_waiters();
        }
    }
}

/// Lets calls to the inner model through an [`AdaptiveLimiter`]. Put it inside
/// [`Retry`](super::Retry), so every attempt takes a slot and backoff sleeps hold none.
#[derive(Debug, Clone)]
pub struct AdaptiveConcurrency<M> {
    inner: M,
    limiter: AdaptiveLimiter,
}

impl<M: TargetModel> AdaptiveConcurrency<M> {
    /// Wraps `inner`.
    pub fn new(inner: M, limiter: AdaptiveLimiter) -> Self {
        Self { inner, limiter }
    }
}

#[async_trait]
impl<M: TargetModel> TargetModel for AdaptiveConcurrency<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        let t0 = tokio::time::Instant::now();
        let permit = self.limiter.acquire().await;
        super::wait::note(t0.elapsed());
        let result = self.inner.generate(request).await;
        self.limiter.complete(permit, &result);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err429() -> ModelError {
        ModelError::RateLimited {
            retry_after: None,
            message: String::new(),
        }
    }

    #[tokio::test]
    async fn slow_start_then_halving_once_per_round_then_additive() {
        let l = AdaptiveLimiter::new(16);
        assert_eq!(l.limit(), 4);
        for _ in 0..20 {
            let p = l.acquire().await;
            l.complete(p, &Ok(Generation::new(crate::Output::text("x"))));
        }
        assert_eq!(l.limit(), 16, "slow start reaches the cap");
        // Eight calls in flight all fail: one decrease, not eight.
        let mut permits = Vec::new();
        for _ in 0..8 {
            permits.push(l.acquire().await);
        }
        for p in permits {
            l.complete(p, &Err(err429()));
        }
        assert_eq!(l.limit(), 12, "16 × 0.75");
        assert_eq!(l.stats().decreases, 1);
        assert_eq!(l.stats().overloads, 8);
        // After the first overload, growth is one per `limit` successes.
        for _ in 0..12 {
            let p = l.acquire().await;
            l.complete(p, &Ok(Generation::new(crate::Output::text("x"))));
        }
        assert_eq!(l.limit(), 12, "12 successes at limit 12 add just under one");
        let p = l.acquire().await;
        l.complete(p, &Ok(Generation::new(crate::Output::text("x"))));
        assert_eq!(l.limit(), 13);
    }

    #[test]
    fn overload_kinds() {
        let t = |status, message: &str| ModelError::Transient {
            status,
            message: message.into(),
        };
        assert!(is_overload(&err429()));
        assert!(is_overload(&t(Some(503), "")));
        assert!(is_overload(&t(Some(500), "Server overloaded, try later")));
        assert!(!is_overload(&t(Some(500), "null pointer")));
        assert!(!is_overload(&t(None, "connection reset")));
        assert!(!is_overload(&ModelError::BadRequest {
            status: Some(400),
            message: String::new()
        }));
    }
}
