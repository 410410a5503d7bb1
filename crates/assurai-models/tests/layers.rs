//! Layers against a scripted in-memory model, with tokio's clock paused so delays are exact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assurai_models::layers::{
    Cache, ConcurrencyLimit, ModelBuilder, RateLimit, RateLimiter, Retry, RetryOnBlocked,
    RetryPolicy, Timeout,
};
use assurai_models::{
    AttemptOutcome, BlockReason, Blocked, ErrorKind, Generation, GenerationRequest, ModelError,
    Output, TargetModel, async_trait,
};
use tokio::time::Instant;

enum Step {
    Ok(Output),
    Err(ModelError),
    Slow(Duration, Output),
    SlowErr(Duration, ModelError),
}

struct Scripted {
    steps: Mutex<VecDeque<Step>>,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    starts: Mutex<Vec<Instant>>,
    seeds: Mutex<Vec<Option<u64>>>,
}

impl Scripted {
    fn new(steps: Vec<Step>) -> Arc<Self> {
        Arc::new(Self {
            steps: Mutex::new(steps.into()),
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            starts: Mutex::new(Vec::new()),
            seeds: Mutex::new(Vec::new()),
        })
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn start_offsets(&self, t0: Instant) -> Vec<Duration> {
        self.starts
            .lock()
            .unwrap()
            .iter()
            .map(|s| *s - t0)
            .collect()
    }
}

#[async_trait]
impl TargetModel for Scripted {
    fn id(&self) -> &str {
        "scripted"
    }
    async fn generate(&self, req: &GenerationRequest) -> Result<Generation, ModelError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.starts.lock().unwrap().push(Instant::now());
        self.seeds.lock().unwrap().push(req.settings.seed);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let step = self.steps.lock().unwrap().pop_front();
        let result = match step {
            Some(Step::Ok(o)) => Ok(Generation::new(o)),
            Some(Step::Err(e)) => Err(e),
            Some(Step::Slow(d, o)) => {
                tokio::time::sleep(d).await;
                Ok(Generation::new(o))
            }
            Some(Step::SlowErr(d, e)) => {
                tokio::time::sleep(d).await;
                Err(e)
            }
            None => Ok(Generation::new(Output::text(format!(
                "default for {}",
                req.request_id
            )))),
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

fn transient() -> Step {
    Step::Err(ModelError::Transient {
        status: Some(503),
        message: "overloaded".into(),
    })
}
fn rate_limited(secs: u64) -> Step {
    Step::Err(ModelError::RateLimited {
        retry_after: Some(Duration::from_secs(secs)),
        message: "slow down".into(),
    })
}
fn text(t: &str) -> Step {
    Step::Ok(Output::text(t))
}
fn blocked() -> Step {
    Step::Ok(Output::Blocked(Blocked::new(
        BlockReason::Safety,
        Some("IMAGE_SAFETY".into()),
    )))
}
fn req() -> GenerationRequest {
    GenerationRequest::prompt("r1", "그림을 그려줘").instance("IMG-1")
}
fn exact() -> RetryPolicy {
    RetryPolicy::new()
        .jitter(false)
        .backoff(Duration::from_secs(1), Duration::from_secs(8))
        .budget(None)
}

#[tokio::test(start_paused = true)]
async fn retry_backs_off_exponentially() {
    let inner = Scripted::new(vec![transient(), transient(), transient(), text("ok")]);
    let t0 = Instant::now();
    let g = Retry::new(inner.clone(), exact().max_attempts(5))
        .generate(&req())
        .await
        .unwrap();
    assert_eq!(g.output.as_text(), Some("ok"));
    assert_eq!(inner.calls(), 4);
    assert_eq!(g.attempt_count(), 4);
    let secs: Vec<u64> = inner
        .start_offsets(t0)
        .iter()
        .map(Duration::as_secs)
        .collect();
    assert_eq!(secs, [0, 1, 3, 7]);
}

#[tokio::test(start_paused = true)]
async fn retry_honours_retry_after() {
    let inner = Scripted::new(vec![rate_limited(30), rate_limited(5), text("ok")]);
    let t0 = Instant::now();
    Retry::new(inner.clone(), exact())
        .generate(&req())
        .await
        .unwrap();
    let secs: Vec<u64> = inner
        .start_offsets(t0)
        .iter()
        .map(Duration::as_secs)
        .collect();
    assert_eq!(secs, [0, 30, 35]);
}

#[tokio::test(start_paused = true)]
async fn retry_stops_at_max_attempts_and_returns_the_last_error() {
    let inner = Scripted::new(vec![transient(), transient(), transient(), text("never")]);
    let err = Retry::new(inner.clone(), exact().max_attempts(3))
        .generate(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(inner.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn retry_stops_when_the_budget_would_be_exceeded() {
    let inner = Scripted::new(vec![rate_limited(40), rate_limited(40), text("late")]);
    let t0 = Instant::now();
    let err = Retry::new(inner.clone(), exact().budget(Some(Duration::from_secs(60))))
        .generate(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(inner.calls(), 2);
    assert_eq!(t0.elapsed(), Duration::from_secs(40));
}

#[tokio::test(start_paused = true)]
async fn only_retryable_errors_are_retried() {
    for e in [
        ModelError::BadRequest {
            status: Some(400),
            message: "bad".into(),
        },
        ModelError::Auth {
            status: 401,
            message: "no".into(),
        },
        ModelError::MalformedResponse {
            message: "junk".into(),
        },
    ] {
        let kind = e.kind();
        let inner = Scripted::new(vec![Step::Err(e), text("ok")]);
        let err = Retry::new(inner.clone(), exact())
            .generate(&req())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind);
        assert_eq!(inner.calls(), 1, "{kind:?}");
    }
    let inner = Scripted::new(vec![
        Step::Err(ModelError::MalformedResponse {
            message: "junk".into(),
        }),
        text("ok"),
    ]);
    let g = Retry::new(inner.clone(), exact().retry_malformed(true))
        .generate(&req())
        .await
        .unwrap();
    assert_eq!(g.output.as_text(), Some("ok"));
}

#[tokio::test(start_paused = true)]
async fn jittered_delays_stay_within_bounds() {
    let inner = Scripted::new(vec![transient(), transient(), text("ok")]);
    let t0 = Instant::now();
    let p = RetryPolicy::new().backoff(Duration::from_secs(2), Duration::from_secs(60));
    Retry::new(inner.clone(), p).generate(&req()).await.unwrap();
    let at = inner.start_offsets(t0);
    let first = at[1];
    let second = at[2] - at[1];
    assert!(
        first >= Duration::from_secs(1) && first <= Duration::from_secs(2),
        "{first:?}"
    );
    assert!(
        second >= Duration::from_secs(2) && second <= Duration::from_secs(4),
        "{second:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_admits_ten_per_minute_across_tasks() {
    let inner = Scripted::new(vec![]);
    let limited = Arc::new(RateLimit::new(inner.clone(), 10, Duration::from_secs(60)));
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..25)
        .map(|i| {
            let m = limited.clone();
            tokio::spawn(async move {
                m.generate(&GenerationRequest::prompt(format!("r{i}"), "x"))
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut secs: Vec<u64> = inner
        .start_offsets(t0)
        .iter()
        .map(Duration::as_secs)
        .collect();
    secs.sort_unstable();
    let want: Vec<u64> = (0..25).map(|i| (i / 10) * 60).collect();
    assert_eq!(secs, want);
}

#[tokio::test(start_paused = true)]
async fn a_shared_rate_limiter_covers_two_models() {
    let a = Scripted::new(vec![]);
    let b = Scripted::new(vec![]);
    let limiter = RateLimiter::new(2, Duration::from_secs(10));
    let ma = RateLimit::shared(a.clone(), limiter.clone());
    let mb = RateLimit::shared(b.clone(), limiter);
    let t0 = Instant::now();
    for _ in 0..2 {
        ma.generate(&req()).await.unwrap();
        mb.generate(&req()).await.unwrap();
    }
    let mut all = a.start_offsets(t0);
    all.extend(b.start_offsets(t0));
    all.sort_unstable();
    assert_eq!(
        all,
        [
            Duration::ZERO,
            Duration::ZERO,
            Duration::from_secs(10),
            Duration::from_secs(10)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn concurrency_limit_caps_in_flight_calls() {
    let steps = (0..20)
        .map(|_| Step::Slow(Duration::from_secs(1), Output::text("x")))
        .collect();
    let inner = Scripted::new(steps);
    let limited = Arc::new(ConcurrencyLimit::new(inner.clone(), 3));
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let m = limited.clone();
            tokio::spawn(async move { m.generate(&req()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(inner.max_in_flight.load(Ordering::SeqCst), 3);
    assert_eq!(t0.elapsed(), Duration::from_secs(7)); // ceil(20 / 3) rounds of 1 s
}

#[tokio::test(start_paused = true)]
async fn timeout_is_per_attempt_and_retryable() {
    let inner = Scripted::new(vec![
        Step::Slow(Duration::from_secs(100), Output::text("too late")),
        Step::Slow(Duration::from_secs(2), Output::text("in time")),
    ]);
    let t0 = Instant::now();
    let m = Retry::new(
        Timeout::new(inner.clone(), Duration::from_secs(10)),
        exact(),
    );
    let g = m.generate(&req()).await.unwrap();
    assert_eq!(g.output.as_text(), Some("in time"));
    assert_eq!(t0.elapsed(), Duration::from_secs(10 + 1 + 2));
    match &g.attempts[0].outcome {
        AttemptOutcome::Error { kind, .. } => assert_eq!(*kind, ErrorKind::Timeout),
        other => panic!("{other:?}"),
    }
    assert_eq!(g.attempts[0].latency, Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn retry_on_blocked_regenerates_and_records_every_attempt() {
    let inner = Scripted::new(vec![blocked(), blocked(), text("그림")]);
    let g = RetryOnBlocked::new(inner.clone(), 3)
        .generate(&req().seed(100))
        .await
        .unwrap();
    assert_eq!(g.output.as_text(), Some("그림"));
    assert_eq!(g.attempts.len(), 2);
    assert!(g.attempts.iter().all(
        |a| matches!(&a.outcome, AttemptOutcome::Blocked(b) if b.reason == BlockReason::Safety)
    ));
    assert_eq!(
        *inner.seeds.lock().unwrap(),
        [Some(100), Some(101), Some(102)]
    );

    let inner = Scripted::new(vec![
        blocked(),
        blocked(),
        blocked(),
        blocked(),
        blocked(),
        text("never"),
    ]);
    let g = RetryOnBlocked::new(inner.clone(), 3)
        .generate(&req())
        .await
        .unwrap();
    assert!(g.output.is_blocked());
    assert_eq!(inner.calls(), 4, "one generation plus three regenerations");
    assert_eq!(g.attempts.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_failed_regeneration_keeps_the_block() {
    let inner = Scripted::new(vec![
        blocked(),
        Step::Err(ModelError::Auth {
            status: 401,
            message: "revoked".into(),
        }),
    ]);
    let g = RetryOnBlocked::new(inner.clone(), 3)
        .generate(&req())
        .await
        .unwrap();
    assert_eq!(g.output.as_blocked().unwrap().reason, BlockReason::Safety);
    assert_eq!(g.attempts.len(), 1);
    assert!(matches!(
        &g.attempts[0].outcome,
        AttemptOutcome::Error {
            kind: ErrorKind::Auth,
            ..
        }
    ));
    // Without an earlier block, the error is the result.
    let inner = Scripted::new(vec![transient()]);
    let err = RetryOnBlocked::new(inner, 3)
        .generate(&req())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test(start_paused = true)]
async fn builder_stacks_everything_and_logs_errors_and_blocks_in_order() {
    let inner = Scripted::new(vec![transient(), blocked(), rate_limited(2), text("done")]);
    let dir = tempfile::tempdir().unwrap();
    let model = ModelBuilder::from_arc(inner.clone())
        .retry(exact())
        .rate_limit(10, Duration::from_secs(60))
        .concurrency_limit(4)
        .timeout(Duration::from_secs(30))
        .retry_on_blocked(3)
        .cache(dir.path())
        .build();
    let g = model.generate(&req()).await.unwrap();
    assert_eq!(g.output.as_text(), Some("done"));
    let log: Vec<String> = g
        .attempts
        .iter()
        .map(|a| match &a.outcome {
            AttemptOutcome::Error { kind, .. } => format!("{kind:?}"),
            AttemptOutcome::Blocked(b) => format!("blocked:{}", b.reason.as_str()),
            _ => "other".into(),
        })
        .collect();
    assert_eq!(log, ["Transient", "blocked:safety", "RateLimited"]);
    // A second identical request is served from the cache.
    let again = model
        .generate(&GenerationRequest::prompt("r2", "그림을 그려줘"))
        .await
        .unwrap();
    assert_eq!(again, g);
    assert_eq!(inner.calls(), 4);
    assert_eq!(model.id(), "scripted");
}

#[tokio::test]
async fn cache_hits_misses_and_survives_corrupt_entries() {
    let dir = tempfile::tempdir().unwrap();
    let inner = Scripted::new(vec![text("first"), text("second"), text("third")]);
    let cache = Cache::new(inner.clone(), dir.path());
    let a = cache.generate(&req()).await.unwrap();
    let b = cache.generate(&req()).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(inner.calls(), 1);
    // Different settings: a different key.
    let c = cache.generate(&req().temperature(0.7)).await.unwrap();
    assert_eq!(c.output.as_text(), Some("second"));
    // A torn/corrupt file is a miss and is replaced.
    let path = cache.path(&req());
    std::fs::write(&path, b"{\"format\":\"assurai-models cache v1\",\"mod").unwrap();
    let d = cache.generate(&req()).await.unwrap();
    assert_eq!(d.output.as_text(), Some("third"));
    let e = cache.generate(&req()).await.unwrap();
    assert_eq!(e.output.as_text(), Some("third"));
    assert_eq!(inner.calls(), 3);
    // No temporary files are left behind.
    let leftovers = walk(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_is_safe_under_concurrent_writers() {
    let dir = tempfile::tempdir().unwrap();
    let inner = Scripted::new(vec![]);
    // Two independent Cache values over the same directory, as two processes would be.
    let c1 = Arc::new(Cache::new(inner.clone(), dir.path()));
    let c2 = Arc::new(Cache::new(inner.clone(), dir.path()));
    let mut tasks = Vec::new();
    for i in 0..64 {
        let c = if i % 2 == 0 { c1.clone() } else { c2.clone() };
        tasks.push(tokio::spawn(async move {
            let r = GenerationRequest::prompt(format!("r{i}"), format!("prompt {}", i % 8));
            c.generate(&r).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let files: Vec<_> = walk(dir.path());
    assert_eq!(files.len(), 8, "{files:?}");
    for f in files {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        assert_eq!(v["model"], "scripted");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn blanket_impls_and_object_safety() {
    let inner = Scripted::new(vec![text("a"), text("b"), text("c")]);
    let boxed: Box<dyn TargetModel> = Box::new(inner.clone());
    let by_ref: &dyn TargetModel = &*boxed;
    assert_eq!(
        by_ref.generate(&req()).await.unwrap().output.as_text(),
        Some("a")
    );
    assert_eq!(
        boxed.generate(&req()).await.unwrap().output.as_text(),
        Some("b")
    );
    let arc: Arc<dyn TargetModel> = inner.clone();
    assert_eq!(
        Retry::new(&arc, exact())
            .generate(&req())
            .await
            .unwrap()
            .output
            .as_text(),
        Some("c")
    );
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Arc<dyn TargetModel>>();
}

/// Rate-limit waiting is not model latency: a failed attempt's latency is its time in the model
/// (3 s for the first), not the minute the second one waited for its rate-limit slot.
#[tokio::test(start_paused = true)]
async fn a_failed_attempt_s_latency_leaves_out_the_rate_limit_wait() {
    let overloaded = || ModelError::Transient {
        status: Some(503),
        message: "overloaded".into(),
    };
    let inner = Scripted::new(vec![
        Step::SlowErr(Duration::from_secs(3), overloaded()),
        Step::Err(overloaded()),
        text("ok"),
    ]);
    let limited = RateLimit::new(inner.clone(), 1, Duration::from_secs(60));
    let t0 = Instant::now();
    let g = Retry::new(limited, exact().max_attempts(3))
        .generate(&req())
        .await
        .unwrap();
    let secs: Vec<u64> = inner
        .start_offsets(t0)
        .iter()
        .map(Duration::as_secs)
        .collect();
    // Each attempt waited for its slot: at 0, 60 and 120 s.
    assert_eq!(secs, [0, 60, 120]);
    let latencies: Vec<Duration> = g.attempts.iter().map(|a| a.latency).collect();
    assert_eq!(latencies, [Duration::from_secs(3), Duration::ZERO]);
}
