//! [`CircuitBreaker`]: stop calling a server after N consecutive failures of one kind that
//! waiting will not fix.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::{Generation, GenerationRequest, ModelError, TargetModel};

/// The start of the message of a failure to open a connection (nothing listens at the address,
/// or the host cannot be resolved or reached).
pub const CONNECT_FAILED: &str = "cannot connect to the server: ";

/// A kind of failure that repeats until someone fixes something: the server is down, the key is
/// wrong, the model or the URL does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureClass {
    /// The connection could not be opened (connection refused, unknown host).
    ConnectionRefused,
    /// HTTP 401 or 403.
    Auth,
    /// HTTP 404: an unknown model or a wrong base URL.
    NotFound,
}

impl FailureClass {
    /// The class of `err`, when it is one of the three.
    pub fn of(err: &ModelError) -> Option<Self> {
        match err {
            ModelError::Transient {
                status: None,
                message,
            } if message.starts_with(CONNECT_FAILED) => Some(Self::ConnectionRefused),
            ModelError::Auth { .. } => Some(Self::Auth),
            ModelError::BadRequest {
                status: Some(404), ..
            } => Some(Self::NotFound),
            _ => None,
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        match self {
            Self::ConnectionRefused => {
                "nothing answers at the base URL: start the server, or correct the URL in the spec"
            }
            Self::Auth => {
                "the server rejected the credentials: name the variable holding the key with \
                 --api-key-env (target) or --judge-api-key-env (judge)"
            }
            Self::NotFound => {
                "the server does not know the model or the path: check the model name (see the \
                 server's /v1/models) and that the base URL ends where /chat/completions begins \
                 (usually …/v1)"
            }
        }
    }

    /// A short name: `connection_refused`, `auth` or `not_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConnectionRefused => "connection_refused",
            Self::Auth => "auth",
            Self::NotFound => "not_found",
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// Per model id: the class of its current run of failures and its length.
    runs: std::collections::HashMap<String, (FailureClass, u32)>,
    open: Option<String>,
}

/// Counts consecutive final failures (after retries) of one [`FailureClass`]; at `threshold` it
/// opens: every later call fails at once with [`ModelError::Config`] carrying the reason and the
/// fix, and [`CircuitBreaker::open_reason`] says why, so a run can stop instead of failing every
/// remaining instance the same way. Runs are counted per model id: a success of that model, or
/// a failure of another kind, resets its count. Clones share the state, so one breaker guards
/// the target and the judges of a run and opens for all when one of them keeps failing.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    threshold: u32,
    state: Arc<Mutex<State>>,
    opened: Arc<tokio::sync::Notify>,
}

impl PartialEq for CircuitBreaker {
    /// The same breaker (clones of one).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

impl CircuitBreaker {
    /// Opens after `threshold` consecutive failures of one class (at least 1).
    pub fn new(threshold: u32) -> Self {
        Self {
            threshold: threshold.max(1),
            state: Arc::default(),
            opened: Arc::default(),
        }
    }

    /// Waits until the breaker opens (at once if it is open).
    pub async fn opened(&self) {
        loop {
            let notified = self.opened.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.lock().open.is_some() {
                return;
            }
            notified.await;
        }
    }

    /// Why the breaker opened, if it has.
    pub fn open_reason(&self) -> Option<String> {
        self.lock().open.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn observe(&self, model: &str, result: &Result<Generation, ModelError>) {
        let mut s = self.lock();
        if s.open.is_some() {
            return;
        }
        let class = result.as_ref().err().and_then(FailureClass::of);
        match class {
            None => {
                s.runs.remove(model);
            }
            Some(c) => {
                let run = match s.runs.get(model) {
                    Some((prev, n)) if *prev == c => n + 1,
                    _ => 1,
                };
                s.runs.insert(model.to_owned(), (c, run));
                if run >= self.threshold {
                    let last = result.as_ref().err().map(ToString::to_string);
                    s.open = Some(format!(
                        "{model}: {run} consecutive calls failed the same way ({}): {}. Last \
                         error: {}",
                        c.as_str(),
                        c.fix(),
                        last.unwrap_or_default()
                    ));
                    self.opened.notify_waiters();
                }
            }
        }
    }

    /// Wraps `inner` with this breaker.
    pub fn wrap<M: TargetModel>(&self, inner: M) -> Breaker<M> {
        Breaker {
            inner,
            breaker: self.clone(),
        }
    }
}

/// A model guarded by a [`CircuitBreaker`]; put it outside [`Retry`](super::Retry) so it sees
/// final outcomes.
#[derive(Debug, Clone)]
pub struct Breaker<M> {
    inner: M,
    breaker: CircuitBreaker,
}

#[async_trait]
impl<M: TargetModel> TargetModel for Breaker<M> {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn modality(&self) -> assurai_taxonomy::Modality {
        self.inner.modality()
    }

    async fn generate(&self, request: &GenerationRequest) -> Result<Generation, ModelError> {
        if let Some(reason) = self.breaker.open_reason() {
            return Err(ModelError::config(format!(
                "circuit breaker open: {reason}"
            )));
        }
        let result = self.inner.generate(request).await;
        self.breaker.observe(self.inner.id(), &result);
        result
    }
}
