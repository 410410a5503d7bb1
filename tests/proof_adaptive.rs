//! Adaptive concurrency against a server with a capacity limit (`assurai-mock-server` answering
//! 429 above N requests in flight): every call ends in the same answer as with a fixed limit, and
//! the adaptive limiter provokes far fewer 429s than a fixed limit above the capacity.

use std::sync::Arc;
use std::time::{Duration, Instant};

use assurai::models::layers::{AdaptiveLimiter, ModelBuilder, RetryPolicy};
use assurai::models::providers::{HttpClient, OpenAiChat, OpenAiConfig};
use assurai::models::{GenerationRequest, TargetModel};
use assurai_mock_server::{Faults, MockServer};

const CAPACITY: usize = 8;
const CALLS: usize = 240;
const TASKS: usize = 64;

async fn drive(model: Arc<dyn TargetModel>) -> (Vec<String>, Duration) {
    let start = Instant::now();
    let mut handles = Vec::new();
    let per_task = CALLS / TASKS + 1;
    for t in 0..TASKS {
        let model = Arc::clone(&model);
        handles.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in 0..per_task {
                let n = t * per_task + i;
                if n >= CALLS {
                    break;
                }
                let req = GenerationRequest::prompt(format!("r{n}"), format!("질문 {n}"));
                let g = model.generate(&req).await.expect("every call succeeds");
                out.push((n, g.output.as_text().unwrap_or_default().to_owned()));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort();
    (all.into_iter().map(|(_, t)| t).collect(), start.elapsed())
}

fn model(
    server: &MockServer,
    adaptive: Option<AdaptiveLimiter>,
    fixed: usize,
) -> Arc<dyn TargetModel> {
    let cfg = OpenAiConfig::new(server.base_url(), "target").client(HttpClient::new().unwrap());
    let b = ModelBuilder::new(OpenAiChat::new(cfg).unwrap()).retry(
        RetryPolicy::new()
            .max_attempts(100_000)
            .budget(None)
            .backoff(Duration::from_millis(1), Duration::from_millis(5)),
    );
    match adaptive {
        Some(l) => b.adaptive_concurrency(l).build(),
        None => b.concurrency_limit(fixed).build(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_concurrency_finds_the_capacity_with_fewer_429s() {
    let mut faults = Faults::none();
    faults.capacity = Some(CAPACITY);
    faults.latency = Duration::from_millis(10);
    faults.retry_after_s = 0;

    let mut results = Vec::new();
    for setting in ["fixed-64", "auto:64", "fixed-8"] {
        let server = MockServer::start(faults.clone()).await.unwrap();
        let limiter = AdaptiveLimiter::new(64);
        let m = match setting {
            "auto:64" => model(&server, Some(limiter.clone()), 0),
            "fixed-8" => model(&server, None, CAPACITY),
            _ => model(&server, None, 64),
        };
        let (texts, took) = drive(m).await;
        let stats = server.stats();
        eprintln!(
            "{setting}: {took:?}, {} requests, {} answered 429 over capacity, final limit {}",
            stats.requests,
            stats.over_capacity,
            limiter.limit()
        );
        assert_eq!(texts.len(), CALLS);
        results.push((texts, stats.over_capacity, limiter));
    }
    let (fixed, auto, best) = (&results[0], &results[1], &results[2]);
    assert_eq!(fixed.0, auto.0, "the same answers either way");
    assert_eq!(best.0, auto.0);
    assert_eq!(
        best.1, 0,
        "a fixed limit at the capacity never overflows it"
    );
    assert!(
        auto.1 * 4 < fixed.1,
        "adaptive: {} 429s, fixed 64: {} 429s",
        auto.1,
        fixed.1
    );
    let limit = auto.2.limit();
    assert!((1..=64).contains(&limit), "{limit}");
    assert!(
        auto.2.stats().decreases >= 1,
        "the limit was found by backing off"
    );
}
