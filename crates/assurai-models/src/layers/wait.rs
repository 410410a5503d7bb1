//! Time an attempt spent waiting in a layer (a rate-limit slot, a concurrency permit) rather than
//! in the model: [`Retry`](super::Retry) takes it out of a failed attempt's latency, so that
//! waiting is never counted as model latency.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    static WAITED: Cell<Duration>;
}

/// Adds `d` to the wait of the attempt being measured, if one is.
pub(crate) fn note(d: Duration) {
    let _ = WAITED.try_with(|w| w.set(w.get() + d));
}

/// Runs `f` and returns its output with the time the layers inside it noted as waiting.
pub(crate) async fn measured<F: Future>(f: F) -> (F::Output, Duration) {
    WAITED
        .scope(Cell::new(Duration::ZERO), async {
            let out = f.await;
            (out, WAITED.try_with(Cell::get).unwrap_or_default())
        })
        .await
}
