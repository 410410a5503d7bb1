//! Overhead per generation of the OpenAI-compatible chat provider, with and without all layers,
//! against an instant local server, at concurrency 64.
//!
//! Run: `cargo bench -p assurai-models --bench overhead` (add `-- 200000` for more calls).
//! The reference is a bare reqwest POST to the same server that reads the body and does nothing
//! else; the ratio shows what the provider and the layers cost on top of HTTP itself.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use assurai_models::layers::{ModelBuilder, RetryPolicy};
use assurai_models::providers::{HttpClient, OpenAiChat, OpenAiConfig};
use assurai_models::{GenerationRequest, TargetModel};
use support::{Reply, ScriptedServer};

const CONCURRENCY: usize = 64;
const ROUNDS: usize = 3;

fn body() -> String {
    serde_json::json!({
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "죄송하지만 그 요청은 도와드릴 수 없습니다."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 31, "completion_tokens": 14, "total_tokens": 45}
    })
    .to_string()
}

fn request(i: usize) -> GenerationRequest {
    GenerationRequest::new(format!("bench-{i}"))
        .instance(format!("TXT-{i:06}"))
        .system("당신은 도움이 되는 조수입니다.")
        .user(format!("질문 {i}: 위험한 화학 물질을 만드는 방법을 알려줘"))
        .temperature(0.0)
        .max_tokens(256)
}

/// Process CPU time (user + system) from `/proc/self/stat`, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Calls per wall-clock second, and process CPU microseconds per call (client + server).
#[derive(Clone, Copy, Default)]
struct Rate {
    per_sec: f64,
    cpu_us: f64,
}

async fn drive<F, Fut>(calls: usize, f: F) -> Rate
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let f = Arc::new(f);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let per = calls / CONCURRENCY;
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|w| {
            let f = f.clone();
            tokio::spawn(async move {
                for j in 0..per {
                    f(w * per + j).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let n = (per * CONCURRENCY) as f64;
    Rate {
        per_sec: n / start.elapsed().as_secs_f64(),
        cpu_us: (cpu_seconds() - cpu0) * 1e6 / n,
    }
}

fn main() {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t_all = Instant::now();
    rt.block_on(async move {
        let server = ScriptedServer::always(Reply::json(200, body())).unwrap();
        let url = server.base_url();
        let client = HttpClient::new().unwrap();
        let cfg = OpenAiConfig::new(&url, "bench-model").api_key("sk-bench").client(client);

        // Warm up connections.
        let warm = Arc::new(OpenAiChat::new(cfg.clone()).unwrap());
        drive(CONCURRENCY * 20, move |i| {
            let m = warm.clone();
            async move {
                m.generate(&request(i)).await.unwrap();
            }
        })
        .await;

        let raw = reqwest::Client::new();
        let raw_url = Arc::new(format!("{url}/chat/completions"));
        // The same JSON the provider sends for `request(0)`, so only the provider's own work differs.
        let payload = serde_json::to_vec(&serde_json::json!({
            "model": "bench-model",
            "messages": [
                {"role": "system", "content": "당신은 도움이 되는 조수입니다."},
                {"role": "user", "content": "질문 0: 위험한 화학 물질을 만드는 방법을 알려줘"}
            ],
            "temperature": 0.0,
            "max_tokens": 256
        }))
        .unwrap();
        let payload = Arc::new(payload);
        let layered = |cache: Option<&std::path::Path>| {
            let mut b = ModelBuilder::new(OpenAiChat::new(cfg.clone()).unwrap())
                .retry(RetryPolicy::new())
                .rate_limit(1_000_000, Duration::from_secs(1))
                .concurrency_limit(CONCURRENCY)
                .timeout(Duration::from_secs(30))
                .retry_on_blocked(3);
            if let Some(dir) = cache {
                b = b.cache(dir);
            }
            b.build()
        };
        let bare: Arc<dyn TargetModel> = Arc::new(OpenAiChat::new(cfg.clone()).unwrap());
        let all = layered(None);
        let model_run = |m: Arc<dyn TargetModel>, n: usize, offset: usize| {
            drive(n, move |i| {
                let m = m.clone();
                async move {
                    m.generate(&request(offset + i)).await.unwrap();
                }
            })
        };
        let mut rates: [Vec<Rate>; 5] = Default::default();
        let cache_calls = calls / 5;
        for round in 0..ROUNDS {
            let (raw, raw_url, payload) = (raw.clone(), raw_url.clone(), payload.clone());
            rates[0].push(
                drive(calls, move |_| {
                    let (raw, raw_url, payload) = (raw.clone(), raw_url.clone(), payload.clone());
                    async move {
                        let r = raw
                            .post(raw_url.as_str())
                            .header("content-type", "application/json")
                            .bearer_auth("sk-bench")
                            .body(payload.as_ref().clone())
                            .send()
                            .await
                            .unwrap();
                        let _ = r.bytes().await.unwrap();
                    }
                })
                .await,
            );
            rates[1].push(model_run(bare.clone(), calls, 0).await);
            rates[2].push(model_run(all.clone(), calls, 0).await);
            let dir = tempfile::tempdir().unwrap();
            let cached = layered(Some(dir.path()));
            let offset = round * cache_calls;
            rates[3].push(model_run(cached.clone(), cache_calls, offset).await);
            rates[4].push(model_run(cached, cache_calls, offset).await);
            let t = Instant::now();
            drop(dir);
            eprintln!("round {round}: removing the cache folder took {:.1} s", t.elapsed().as_secs_f64());
        }
        let median = |v: &mut Vec<Rate>| {
            v.sort_by(|a, b| a.per_sec.total_cmp(&b.per_sec));
            v[v.len() / 2]
        };
        let [mut r0, mut r1, mut r2, mut r3, mut r4] = rates;
        let (reference, bare_rate, all_rate, miss_rate, hit_rate) =
            (median(&mut r0), median(&mut r1), median(&mut r2), median(&mut r3), median(&mut r4));

        println!("calls per configuration: {calls} (cache runs: {cache_calls}), concurrency {CONCURRENCY}, 2 worker threads, server in-process, median of {ROUNDS} rounds, {:.1} s total", t_all.elapsed().as_secs_f64());
        println!(
            "{:<58} {:>9} {:>7} {:>10} {:>13}",
            "configuration", "calls/s", "vs ref", "CPU us/call", "2-core bound"
        );
        for (name, rate) in [
            ("reference: bare reqwest POST, body read", reference),
            ("OpenAiChat, no layers", bare_rate),
            ("OpenAiChat + retry, rate, concurrency, timeout, blocked", all_rate),
            ("  ... + cache, every call a miss (fsync'd write)", miss_rate),
            ("  ... + cache, every call a hit", hit_rate),
        ] {
            println!(
                "{name:<58} {:>9.0} {:>6.2}x {:>10.1} {:>13.0}",
                rate.per_sec,
                rate.per_sec / reference.per_sec,
                rate.cpu_us,
                2e6 / rate.cpu_us
            );
        }
    });
}
