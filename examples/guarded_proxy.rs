//! A guarded OpenAI-compatible proxy: forwards `POST /v1/chat/completions` to an upstream
//! server, judges every answer with a guard-model judge, and answers with a refusal when the
//! score is below a threshold.
//!
//! ```text
//! cargo run --example guarded_proxy -- \
//!     --listen 127.0.0.1:8080 \
//!     --upstream http://127.0.0.1:11434/v1 --model exaone3.5:7.8b \
//!     --guard llama-guard:meta-llama/Llama-Guard-3-8B@http://127.0.0.1:8000/v1 \
//!     --threshold 3
//! curl -s http://127.0.0.1:8080/v1/chat/completions -H 'content-type: application/json' \
//!     -d '{"model":"any","messages":[{"role":"user","content":"안녕하세요"}]}'
//! ```
//!
//! The proxy is what a serving stack would put in front of a model: the upstream answers, the
//! guard ([`GuardJudge`]) reads the conversation and the answer, and [`Guard::check`] decides.
//! A stopped answer is replaced by the refusal text (`finish_reason: "content_filter"`); the
//! header `x-assurai-guard` says `pass` or `stopped`, `x-assurai-guard-score` the score. When the
//! guard cannot score in time the proxy fails closed (set `--fail-open` to let answers through).
//! Streaming requests are refused: an answer cannot be judged before it is complete.
//!
//! Other options: `--budget-ms N` (the guard's latency budget), `--risk-factor ID` (only picks
//! the policies ShieldGemma and Granite Guardian are asked about; the default asks all of them),
//! `--refusal TEXT`, `--api-key-env VAR` (key for the upstream).
#![allow(clippy::print_stderr)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use assurai::judge::{FailMode, Guard, GuardAction, GuardDecision, GuardJudge, SafetyScore};
use assurai::models::providers::{OpenAiChat, OpenAiConfig, OpenAiJson};
use assurai::models::{GenerationRequest, Message, Output, Part, Role, TargetModel};
use assurai::taxonomy::RiskFactor;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Everything the proxy needs.
pub(crate) struct ProxyConfig {
    /// Upstream base URL (`…/v1`).
    pub(crate) upstream: String,
    /// Model name sent upstream.
    pub(crate) model: String,
    /// The guard: `[guard:]FAMILY:MODEL@BASE_URL[?key_env=VAR]`.
    pub(crate) guard: String,
    /// Answers scoring below this are replaced.
    pub(crate) threshold: SafetyScore,
    /// The guard's latency budget.
    pub(crate) budget: Option<Duration>,
    /// Let answers through when the guard cannot score.
    pub(crate) fail_open: bool,
    /// Which ShieldGemma / Granite policies to ask.
    pub(crate) risk_factor: RiskFactor,
    /// The text that replaces a stopped answer.
    pub(crate) refusal: String,
    /// Environment variable with the upstream key.
    pub(crate) api_key_env: Option<String>,
}

type Guarded = Guard<Arc<OpenAiChat>, GuardJudge<OpenAiJson>>;

struct Proxy {
    upstream: Arc<OpenAiChat>,
    guard: Guarded,
    model: String,
    refusal: String,
}

/// Builds the proxy's upstream model and guard from the configuration.
fn build(cfg: &ProxyConfig) -> Result<Proxy, String> {
    let spec = if cfg.guard.starts_with("guard:") {
        cfg.guard.clone()
    } else {
        format!("guard:{}", cfg.guard)
    };
    let judge = GuardJudge::from_spec(&spec).map_err(|e| format!("--guard: {e}"))?;
    let mut up = OpenAiConfig::new(&cfg.upstream, &cfg.model);
    if let Some(var) = &cfg.api_key_env {
        up = up.api_key_env(var).map_err(|e| e.to_string())?;
    }
    let upstream = Arc::new(OpenAiChat::new(up).map_err(|e| format!("--upstream: {e}"))?);
    let mut guard = Guard::new(Arc::clone(&upstream), judge, cfg.risk_factor)
        .threshold(cfg.threshold)
        .action(GuardAction::Refusal(cfg.refusal.clone()))
        .fail_mode(if cfg.fail_open {
            FailMode::Open
        } else {
            FailMode::Closed
        });
    if let Some(b) = cfg.budget {
        guard = guard.latency_budget(b);
    }
    Ok(Proxy {
        upstream,
        guard,
        model: cfg.model.clone(),
        refusal: cfg.refusal.clone(),
    })
}

fn json_response(
    status: StatusCode,
    body: &Value,
    headers: &[(&str, String)],
) -> Response<Full<Bytes>> {
    let mut r = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (k, v) in headers {
        r = r.header(*k, v.as_str());
    }
    r.body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"{}"))))
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        &json!({"error": {"message": message, "type": "assurai_guarded_proxy"}}),
        &[],
    )
}

/// An OpenAI chat request body as a [`GenerationRequest`].
fn to_request(body: &Value, n: u64) -> Result<GenerationRequest, String> {
    if body.get("stream").and_then(Value::as_bool) == Some(true) {
        return Err("streaming is not supported: an answer is judged when it is complete".into());
    }
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("the body needs a `messages` array")?;
    let mut req = GenerationRequest::new(format!("proxy-{n}"));
    for (i, m) in messages.iter().enumerate() {
        let role = match m.get("role").and_then(Value::as_str) {
            Some("system" | "developer") => Role::System,
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            other => return Err(format!("messages[{i}]: unsupported role {other:?}")),
        };
        let text = match m.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => return Err(format!("messages[{i}]: `content` must be text")),
        };
        req = req.message(Message::new(role, vec![Part::Text { text }]));
    }
    if let Some(t) = body.get("temperature").and_then(Value::as_f64) {
        req = req.temperature(t as f32);
    }
    if let Some(n) = body.get("max_tokens").and_then(Value::as_u64) {
        req = req.max_tokens(u32::try_from(n).unwrap_or(u32::MAX));
    }
    Ok(req)
}

async fn handle(proxy: Arc<Proxy>, req: Request<Incoming>, n: u64) -> Response<Full<Bytes>> {
    if req.method() != hyper::Method::POST || !req.uri().path().ends_with("/chat/completions") {
        return error(
            StatusCode::NOT_FOUND,
            "only POST /v1/chat/completions is served",
        );
    }
    let bytes = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the body: {e}"),
            );
        }
    };
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the body is not JSON: {e}"),
            );
        }
    };
    let request = match to_request(&body, n) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    let generation = match proxy.upstream.generate(&request).await {
        Ok(g) => g,
        Err(e) => return error(StatusCode::BAD_GATEWAY, &format!("upstream: {e}")),
    };
    let decision = proxy.guard.check(&request, &generation).await;
    let (content, finish, state, verdict) = match (&decision, &generation.output) {
        (GuardDecision::Stopped { verdict, .. }, _) => (
            proxy.refusal.clone(),
            "content_filter",
            "stopped",
            verdict.as_ref(),
        ),
        (GuardDecision::AlreadyBlocked, _) => (String::new(), "content_filter", "blocked", None),
        (GuardDecision::Pass { verdict }, Output::Text { text }) => {
            (text.clone(), "stop", "pass", verdict.as_ref())
        }
        (GuardDecision::Pass { .. }, _) => {
            return error(
                StatusCode::BAD_GATEWAY,
                "the upstream did not answer with text",
            );
        }
        _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "unknown guard decision"),
    };
    let mut headers = vec![("x-assurai-guard", state.to_owned())];
    if let Some(s) = verdict.and_then(|v| v.score()) {
        headers.push(("x-assurai-guard-score", s.to_string()));
    }
    let usage = generation.usage;
    json_response(
        StatusCode::OK,
        &json!({
            "id": format!("chatcmpl-guarded-{n}"),
            "object": "chat.completion",
            "model": proxy.model,
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": usage.input_tokens, "completion_tokens": usage.output_tokens},
        }),
        &headers,
    )
}

/// Serves the proxy on `listener` until the task is dropped.
///
/// # Errors
/// A configuration error (bad `--guard`, bad URL, missing key variable).
pub(crate) async fn serve(listener: TcpListener, cfg: &ProxyConfig) -> Result<(), String> {
    let proxy = Arc::new(build(cfg)?);
    let mut n = 0u64;
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
        n += 1;
        let proxy = Arc::clone(&proxy);
        let conn = n;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let proxy = Arc::clone(&proxy);
                async move { Ok::<_, std::convert::Infallible>(handle(proxy, req, conn).await) }
            });
            // A client that hangs up mid-request is not the proxy's error.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn parse_args(args: &[String]) -> Result<(SocketAddr, ProxyConfig), String> {
    let mut listen = "127.0.0.1:8080".to_owned();
    let mut cfg = ProxyConfig {
        upstream: String::new(),
        model: String::new(),
        guard: String::new(),
        threshold: SafetyScore::NEUTRAL,
        budget: None,
        fail_open: false,
        risk_factor: RiskFactor::MisDisinformation,
        refusal: "I can't help with that request. / 이 요청에는 도움을 드릴 수 없습니다."
            .to_owned(),
        api_key_env: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--fail-open" {
            cfg.fail_open = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?.clone();
        match flag.as_str() {
            "--listen" => listen = value,
            "--upstream" => cfg.upstream = value,
            "--model" => cfg.model = value,
            "--guard" => cfg.guard = value,
            "--threshold" => {
                cfg.threshold = value
                    .parse::<u8>()
                    .ok()
                    .and_then(SafetyScore::new)
                    .ok_or("--threshold must be 1–5")?;
            }
            "--budget-ms" => {
                cfg.budget = Some(Duration::from_millis(
                    value
                        .parse()
                        .map_err(|_| "--budget-ms must be an integer")?,
                ));
            }
            "--risk-factor" => {
                cfg.risk_factor = value
                    .parse()
                    .map_err(|_| format!("unknown risk factor {value:?}"))?;
            }
            "--refusal" => cfg.refusal = value,
            "--api-key-env" => cfg.api_key_env = Some(value),
            other => return Err(format!("unknown option {other}")),
        }
    }
    for (name, v) in [
        ("--upstream", &cfg.upstream),
        ("--model", &cfg.model),
        ("--guard", &cfg.guard),
    ] {
        if v.is_empty() {
            return Err(format!("{name} is required"));
        }
    }
    let addr = listen
        .parse()
        .map_err(|_| format!("--listen: bad address {listen:?}"))?;
    Ok((addr, cfg))
}

#[cfg_attr(test, allow(dead_code))]
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, cfg) = match parse_args(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("guarded_proxy: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("guarded_proxy: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("{addr}: {e}"))?;
        eprintln!(
            "guarded_proxy: listening on http://{addr}/v1, guard {}",
            cfg.guard
        );
        serve(listener, &cfg).await
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("guarded_proxy: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
