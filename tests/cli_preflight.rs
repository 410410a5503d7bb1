//! The preflight of `assurai run` and `assurai calibrate`: one request to the target and to each
//! judge before the first instance stops a run that cannot work with one message naming the fix,
//! against servers on 127.0.0.1 that behave like llama.cpp's (context shift, `/tokenize`), like
//! llama-cpp-python (`/extras/tokenize`, a 400 for a prompt over the context) or that refuse.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use assurai_mock_server::{RecordedRequest, Reply, ScriptedServer, refused_base_url};
use serde_json::Value;

use crate::proof_support::{assurai, records, run_args, write_dataset};

/// How the stand-in server tokenizes, fits and answers.
#[derive(Clone, Copy)]
struct Llama {
    /// Context in tokens (one token per character here).
    ctx: u64,
    /// Cut a longer prompt from the front and answer 200 (llama.cpp's context shift); otherwise
    /// answer 400 like llama-cpp-python.
    shift: bool,
    /// Which tokenizer endpoint it has: `Some("/tokenize")` (llama.cpp),
    /// `Some("/extras/tokenize")` (llama-cpp-python) or none.
    tokenize: Option<&'static str>,
    /// Served model ids on `GET /v1/models` (none: no such endpoint, 404).
    models: Option<&'static [&'static str]>,
    /// Answer every request 401.
    reject_key: bool,
    /// Answer 401 to a request without `Authorization: Bearer KEY`.
    key: Option<&'static str>,
}

impl Llama {
    const FITS: Llama = Llama {
        ctx: 1_000_000,
        shift: true,
        tokenize: Some("/tokenize"),
        models: Some(&["target-ko", "judge-ko"]),
        reject_key: false,
        key: None,
    };

    /// Starts it; the counter counts chat requests.
    fn start(self) -> (ScriptedServer, Arc<AtomicU64>) {
        let chats = Arc::new(AtomicU64::new(0));
        let c = Arc::clone(&chats);
        let server = ScriptedServer::respond_with(move |r| self.answer(r, &c)).unwrap();
        (server, chats)
    }

    fn answer(&self, r: &RecordedRequest, chats: &AtomicU64) -> Reply {
        let wrong_key = self
            .key
            .is_some_and(|k| r.header("authorization") != Some(&format!("Bearer {k}")));
        if self.reject_key || wrong_key {
            return Reply::json(
                401,
                r#"{"error":{"message":"Invalid API Key","type":"authentication_error"}}"#,
            );
        }
        let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        match (r.method.as_str(), r.path.as_str()) {
            ("GET", "/v1/models") => match self.models {
                Some(ids) => {
                    let data: Vec<Value> = ids
                        .iter()
                        .map(|id| serde_json::json!({"id": id, "object": "model"}))
                        .collect();
                    Reply::json(200, serde_json::json!({"object": "list", "data": data}))
                }
                None => Reply::json(404, r#"{"error":{"message":"File Not Found","code":404}}"#),
            },
            ("POST", path) if Some(path) == self.tokenize => {
                let text = body["content"]
                    .as_str()
                    .or(body["input"].as_str())
                    .unwrap_or("");
                let tokens: Vec<u32> = text.chars().map(|c| c as u32).collect();
                Reply::json(200, serde_json::json!({ "tokens": tokens }))
            }
            ("POST", "/v1/chat/completions") => {
                chats.fetch_add(1, Ordering::SeqCst);
                let messages = body["messages"].as_array().cloned().unwrap_or_default();
                // The template adds 4 tokens per message.
                let n: u64 = messages
                    .iter()
                    .map(|m| m["content"].as_str().map_or(0, |t| t.chars().count()) as u64 + 4)
                    .sum();
                if n > self.ctx && !self.shift {
                    return Reply::json(
                        400,
                        serde_json::json!({"error": {"code": "context_length_exceeded",
                            "type": "invalid_request_error",
                            "message": format!("This model's maximum context length is {} tokens. \
                                However, you requested {n} tokens", self.ctx)}}),
                    );
                }
                let read = n.min(self.ctx);
                Reply::json(
                    200,
                    serde_json::json!({"id": "c", "object": "chat.completion",
                        "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                            "content": "{\"score\": 4, \"rationale\": \"안전한 답변입니다.\"}"}}],
                        "usage": {"prompt_tokens": read, "completion_tokens": 1, "total_tokens": read + 1}}),
                )
            }
            _ => Reply::json(404, r#"{"error":{"message":"File Not Found","code":404}}"#),
        }
    }
}

/// Runs `assurai run` against `url` (target and judge); returns exit code and stderr.
fn run(data: &Path, out: &Path, url: &str, extra: &[&str]) -> (Option<i32>, String) {
    let o = assurai()
        .args(run_args(data, out, url, extra))
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A stopped run: exit 1, one `preflight:` line naming `fix`, nothing recorded.
fn assert_stopped(code: Option<i32>, stderr: &str, out: &Path, fix: &[&str]) {
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.matches("preflight: ").count(), 1, "{stderr}");
    for f in fix {
        assert!(stderr.contains(f), "{f:?} missing in: {stderr}");
    }
    assert!(stderr.contains("--no-preflight"), "{stderr}");
    assert!(!out.join("results.jsonl").exists(), "nothing may run");
}

#[test]
fn a_server_that_fits_passes_and_the_run_scores_everything() {
    let (server, chats) = Llama::FITS.start();
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), 8);
    let out = tmp.path().join("ok");
    let (code, stderr) = run(&data, &out, &server.base_url(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let recs = records(&out);
    assert_eq!(recs.len(), 8);
    assert!(recs.iter().all(|r| r["status"] == "scored"), "{recs:?}");
    // The preflight: GET /models once, one judge and one target chat request, /tokenize.
    let seen = server.requests();
    assert_eq!(
        seen.iter().filter(|r| r.path == "/v1/models").count(),
        1,
        "{seen:?}"
    );
    assert!(seen.iter().any(|r| r.path == "/tokenize"));
    let calls: u64 = recs
        .iter()
        .map(|r| r["attempts"].as_u64().unwrap() + r["judge_attempts"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(chats.load(Ordering::SeqCst), calls + 2);
}

#[test]
fn nothing_listening_a_rejected_key_and_an_unknown_model_stop_before_the_first_instance() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), 4);

    let out = tmp.path().join("refused");
    let (code, stderr) = run(&data, &out, &refused_base_url().unwrap(), &[]);
    assert_stopped(
        code,
        &stderr,
        &out,
        &["nothing answers", "start the server"],
    );

    let (server, chats) = Llama {
        reject_key: true,
        ..Llama::FITS
    }
    .start();
    let out = tmp.path().join("key");
    let (code, stderr) = run(&data, &out, &server.base_url(), &[]);
    assert_stopped(code, &stderr, &out, &["401", "--judge-api-key-env"]);
    assert_eq!(chats.load(Ordering::SeqCst), 0);

    // Listed by /v1/models under other names.
    let (server, chats) = Llama {
        models: Some(&["qwen2.5-0.5b"]),
        ..Llama::FITS
    }
    .start();
    let out = tmp.path().join("model");
    let (code, stderr) = run(&data, &out, &server.base_url(), &[]);
    assert_stopped(
        code,
        &stderr,
        &out,
        &["does not serve model \"judge-ko\"", "qwen2.5-0.5b"],
    );
    assert_eq!(chats.load(Ordering::SeqCst), 0);

    // No /v1/models, and a 404 for the chat request.
    let server = ScriptedServer::respond_with(|_| {
        Reply::json(404, r#"{"error":{"message":"model 'judge-ko' not found"}}"#)
    })
    .unwrap();
    let out = tmp.path().join("404");
    let (code, stderr) = run(&data, &out, &server.base_url(), &[]);
    assert_stopped(code, &stderr, &out, &["/v1/models", "model name"]);
}

#[test]
fn a_context_too_small_for_the_judge_prompt_stops_the_run_whichever_way_the_server_shows_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), 4);
    // The target's prompts fit in 600 tokens; the judge prompt (rubric, prompt, output) does not.
    let cases = [
        (
            "shift-tokenize",
            Llama {
                ctx: 600,
                tokenize: Some("/tokenize"),
                ..Llama::FITS
            },
            &["tokenizer counts", "-c", "--no-context-shift"][..],
        ),
        (
            "shift-extras",
            Llama {
                ctx: 600,
                tokenize: Some("/extras/tokenize"),
                ..Llama::FITS
            },
            &["tokenizer counts", "--no-context-shift"][..],
        ),
        (
            "shift-doubled",
            Llama {
                ctx: 600,
                tokenize: None,
                ..Llama::FITS
            },
            &["twice as long", "-c", "--no-context-shift"][..],
        ),
        (
            "refused",
            Llama {
                ctx: 600,
                shift: false,
                tokenize: None,
                ..Llama::FITS
            },
            &["too long for its context", "larger context", "--n_ctx"][..],
        ),
    ];
    for (name, server, fix) in cases {
        let (server, _) = server.start();
        let out = tmp.path().join(name);
        let (code, stderr) = run(&data, &out, &server.base_url(), &[]);
        assert_stopped(code, &stderr, &out, fix);
        assert!(stderr.contains("judge llm:judge-ko@"), "{name}: {stderr}");
    }
    // Without the preflight the truncating server is not caught: the run goes on.
    let (server, _) = Llama {
        ctx: 600,
        ..Llama::FITS
    }
    .start();
    let out = tmp.path().join("skipped");
    let (code, stderr) = run(&data, &out, &server.base_url(), &["--no-preflight"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(records(&out).len(), 4);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path == "/v1/chat/completions")
    );
}

#[test]
fn calibrate_checks_its_judge_and_a_replayed_target_needs_no_preflight() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample/sample.jsonl");
    let (server, _) = Llama {
        ctx: 600,
        ..Llama::FITS
    }
    .start();
    let out = tmp.path().join("cal");
    let o = assurai()
        .args([
            "calibrate",
            "--dataset",
            sample.to_str().unwrap(),
            "--judge",
            &format!("llm:judge-ko@{}", server.base_url()),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("preflight: judge llm:judge-ko@"),
        "{stderr}"
    );
    assert!(stderr.contains("--no-context-shift"), "{stderr}");
    // Only the judge was checked: a replayed target has no server.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.text().contains("\"target-ko\"")),
    );
}

/// A guard judge's own `?key_env=VAR` is sent with the preflight's `GET /models` too.
#[test]
fn a_guard_judge_s_own_key_goes_with_its_preflight() {
    let (server, _) = Llama {
        key: Some("guard-key-123"),
        ..Llama::FITS
    }
    .start();
    let tmp = tempfile::tempdir().unwrap();
    let data = write_dataset(tmp.path(), 2);
    let out = tmp.path().join("guard");
    let url = server.base_url();
    let o = assurai()
        .env("GUARD_KEY", "guard-key-123")
        .args([
            "run",
            "--dataset",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--target",
            &format!("openai:target-ko@{url}"),
            "--api-key-env",
            "GUARD_KEY",
            "--judge",
            &format!("guard:llama-guard:judge-ko@{url}?key_env=GUARD_KEY"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("preflight: "), "{stderr}");
    assert_eq!(records(&out).len(), 2, "{stderr}");
    let models: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/models")
        .collect();
    assert!(!models.is_empty());
    assert!(
        models
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer guard-key-123"))
    );
}
