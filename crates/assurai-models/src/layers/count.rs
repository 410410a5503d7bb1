//! [`count_calls`]: how many attempts a piece of work made, whether it succeeded or not.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

tokio::task_local! {
    static CALLS: Arc<AtomicU32>;
}

/// Runs `work` and returns its output with the number of attempts that every
/// [`Retry`](crate::layers::Retry) layer inside it made — the calls the servers saw, also when
/// all of them failed (a [`ModelError`](crate::ModelError) carries no count of its own).
///
/// The count covers the calls made in the same task as `work` (the layers of this crate never
/// spawn), including those of a judge that calls a model; a stack without a `Retry` layer counts
/// 0. Scopes nest: an inner `count_calls` counts its own calls and hides them from the outer one.
///
/// ```
/// use std::time::Duration;
/// use assurai_models::layers::{count_calls, Retry, RetryPolicy};
/// use assurai_models::{async_trait, Generation, GenerationRequest, ModelError, TargetModel};
///
/// struct Down;
/// #[async_trait]
/// impl TargetModel for Down {
///     fn id(&self) -> &str { "down" }
///     async fn generate(&self, _: &GenerationRequest) -> Result<Generation, ModelError> {
///         Err(ModelError::Timeout { after: Duration::from_secs(1) })
///     }
/// }
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let policy = RetryPolicy::new().max_attempts(4).backoff(Duration::ZERO, Duration::ZERO);
/// let model = Retry::new(Down, policy);
/// let req = GenerationRequest::prompt("r1", "hi");
/// let (result, calls) = count_calls(model.generate(&req)).await;
/// assert!(result.is_err());
/// assert_eq!(calls, 4);
/// # });
/// ```
pub async fn count_calls<F: Future>(work: F) -> (F::Output, u32) {
    let counter = Arc::new(AtomicU32::new(0));
    let out = CALLS.scope(Arc::clone(&counter), work).await;
    (out, counter.load(Ordering::Relaxed))
}

/// Counts one attempt in the enclosing [`count_calls`] scope, if any.
pub(crate) fn count_one() {
    let _ = CALLS.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
}
