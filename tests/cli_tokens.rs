//! Tokens and cost: `assurai run`'s report totals the tokens each role used, per model, as the
//! servers reported them; `assurai run --dry-run` estimates them without calling any model.

use assurai_mock_server::{Faults, MockServer};
use serde_json::Value;

use crate::proof_support::{assurai, records, report_json, run_args, runtime, write_dataset};

#[test]
fn the_report_totals_tokens_per_role_as_the_servers_reported_them() {
    let rt = runtime();
    // The mock server reports 10 prompt and 5 completion tokens for every chat call.
    let server = rt.block_on(MockServer::start(Faults::none())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Eight instances; ko-0005 is a Multi-Session conversation of three user turns, played
    // turn by turn (three target calls).
    let dataset = write_dataset(dir.path(), 8);
    let out = dir.path().join("run");
    let status = assurai()
        .args(run_args(&dataset, &out, &server.base_url(), &[]))
        .status()
        .unwrap();
    assert!(status.success());
    let recs = records(&out);
    let multi = recs.iter().find(|r| r["instance_id"] == "ko-0005").unwrap();
    assert_eq!(multi["usage"]["target_input_tokens"], 30, "{multi}");
    assert_eq!(multi["usage"]["target_output_tokens"], 15);
    let judge_calls: u64 = recs
        .iter()
        .map(|r| r["judge_attempts"].as_u64().unwrap_or(0))
        .sum();
    let report = report_json(&out);
    let tokens = report["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2, "no transcriber in a text run: {tokens:?}");
    let target = &tokens[0];
    assert_eq!(
        (&target["model"], &target["role"]),
        (&"target-ko".into(), &"target".into())
    );
    assert_eq!(target["records"], 8);
    assert_eq!(target["input_tokens"], 10 * 10);
    assert_eq!(target["output_tokens"], 5 * 10);
    assert_eq!(target["records_missing_usage"], 0);
    let judge = &tokens[1];
    assert_eq!(judge["role"], "judge");
    assert_eq!(judge["records"], 8);
    assert_eq!(judge["input_tokens"], 10 * judge_calls);
    assert_eq!(judge["output_tokens"], 5 * judge_calls);
    assert_eq!(judge["records_missing_usage"], 0);
    assert_eq!(report["models"][0]["n_truncated"], 0);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("| target-ko | target | 8 | 100 | 50 | 0 |"),
        "{md}"
    );
    let csv = std::fs::read_to_string(out.join("tables/tokens.csv")).unwrap();
    assert!(csv.contains("target-ko,target,8,100,50,0"), "{csv}");
}

/// Two instances whose token counts are easy to compute by hand: a Q-only prompt `abcd` and
/// a Multi-Session conversation of two user turns `ab`, `cde` (played turn by turn); and an
/// image instance a text target does not run.
fn tiny_dataset(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("tiny.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"id":"q1","risk_factor":1,"prompt_type":"q_only","prompt":"abcd"}"#,
            "\n",
            r#"{"id":"m1","risk_factor":2,"prompt_type":"multi_session","turns":[{"role":"user","content":"ab"},{"role":"user","content":"cde"}]}"#,
            "\n",
            // An image instance: a text target leaves it out, the dry run as the run.
            r#"{"id":"i1","risk_factor":3,"prompt_type":"q_only","modality":"image","prompt":"그림"}"#,
            "\n"
        ),
    )
    .unwrap();
    path
}

fn dry_run(
    dataset: &std::path::Path,
    out: &std::path::Path,
    url: &str,
    extra: &[&str],
) -> (i32, Value, String) {
    let mut args = run_args(
        dataset,
        out,
        url,
        &["--dry-run", "--json", "--max-tokens", "10"],
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = assurai().args(&args).output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap_or(-1), v, stderr)
}

fn role<'a>(plan: &'a Value, role: &str, model_prefix: &str) -> &'a Value {
    plan["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == role && r["model"].as_str().unwrap().starts_with(model_prefix))
        .unwrap_or_else(|| panic!("no {role} {model_prefix} in {plan}"))
}

#[test]
fn a_dry_run_uses_tokenize_and_calls_no_model() {
    let rt = runtime();
    let mut faults = Faults::none();
    faults.tokenize = true;
    let server = rt.block_on(MockServer::start(faults)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dataset = tiny_dataset(dir.path());
    let out = dir.path().join("run");
    let (code, plan, stderr) = dry_run(&dataset, &out, &server.base_url(), &["--epochs", "2"]);
    assert_eq!(code, 0, "{stderr}");
    let stats = server.stats();
    // Only /tokenize was asked: no chat call, no file written.
    assert_eq!(stats.ok + stats.faults, 0, "{stats:?}");
    assert_eq!(stats.requests, stats.tokenize, "{stats:?}");
    // The target's three messages (abcd; ab; cde) and the judge's two prompts, once each
    // (the epochs multiply the counts, not the requests).
    assert_eq!(stats.tokenize, 5, "{stats:?}");
    assert!(!out.exists(), "a dry run writes nothing");
    assert_eq!(plan["instances"], 2);
    assert_eq!(
        plan["left_out"],
        serde_json::json!({"instances": 1, "produces": "text"})
    );
    assert_eq!(plan["epochs"], 2);
    assert_eq!(plan["to_run"], 4);
    assert_eq!(plan["present"], 0);
    let target = role(&plan, "target", "openai:");
    // The mock tokenizer makes one token per character. q1: 1 call of 4 tokens. m1: call 1
    // sends `ab` (2), call 2 sends `ab`, the reply (10, the budget) and `cde` (3): 15.
    // Two epochs: 2 × (4 + 2 + 15) = 42 input tokens over 2 × 3 calls, each 10 tokens out.
    assert_eq!(target["source"], "tokenize", "{plan}");
    assert_eq!(target["calls"], 6);
    assert_eq!(target["input_tokens"], 42);
    assert_eq!(target["output_tokens"], 60);
    let judge = role(&plan, "judge", "llm:");
    assert_eq!(judge["source"], "tokenize");
    assert_eq!(judge["calls"], 4);
    assert_eq!(judge["output_tokens"], 4 * 512);
    assert!(plan["total_cost_usd"].is_null(), "no price given");
}

#[test]
fn without_tokenize_a_dry_run_estimates_and_prices_the_roles() {
    let rt = runtime();
    // No /tokenize (404, as on OpenAI-compatible servers without one).
    let server = rt.block_on(MockServer::start(Faults::none())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dataset = tiny_dataset(dir.path());
    let out = dir.path().join("run");
    let (code, plan, stderr) = dry_run(
        &dataset,
        &out,
        &server.base_url(),
        &["--price", "target=0.15/0.60", "--price", "judge=2.5/10"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(server.stats().ok, 0);
    let target = role(&plan, "target", "openai:");
    assert_eq!(target["source"], "estimate", "{plan}");
    assert!(
        target["tokenize_error"].as_str().unwrap().contains("404"),
        "{target}"
    );
    // The estimate: 4 tokens per message + one per 4 ASCII characters. q1 `abcd`: 5. m1: call
    // 1 `ab` 5; call 2 `ab` 5 + reply 10 + `cde` 5 = 20. In all 30, over 3 calls of 10 out.
    assert_eq!(target["input_tokens"], 30);
    assert_eq!(target["output_tokens"], 30);
    // 30 × 0.15 + 30 × 0.60 = 22.5 USD per million tokens.
    let cost = target["cost_usd"].as_f64().unwrap();
    assert!((cost - 22.5e-6).abs() < 1e-15, "{cost}");
    let judge = role(&plan, "judge", "llm:");
    let (i, o) = (
        judge["input_tokens"].as_f64().unwrap(),
        judge["output_tokens"].as_f64().unwrap(),
    );
    assert_eq!(o, 2.0 * 512.0);
    let judge_cost = judge["cost_usd"].as_f64().unwrap();
    assert!((judge_cost - (i * 2.5 + o * 10.0) / 1e6).abs() < 1e-12);
    let total = plan["total_cost_usd"].as_f64().unwrap();
    assert!((total - (cost + judge_cost)).abs() < 1e-12);
    assert!(!out.exists());

    // The human-readable form says the same.
    let mut args = run_args(
        &dataset,
        &out,
        &server.base_url(),
        &["--dry-run", "--max-tokens", "10"],
    );
    args.extend(["--price".into(), "target=0.15/0.60".into()]);
    let o = assurai().args(&args).output().unwrap();
    assert!(o.status.success());
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("estimated cost: 0.0000 USD"), "{table}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("no model was called"));
}

#[test]
fn a_dry_run_skips_what_the_run_directory_holds_and_bad_prices_are_usage_errors() {
    let rt = runtime();
    let server = rt.block_on(MockServer::start(Faults::none())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dataset = tiny_dataset(dir.path());
    let out = dir.path().join("run");
    let status = assurai()
        .args(run_args(
            &dataset,
            &out,
            &server.base_url(),
            &["--max-tokens", "10"],
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let chat_calls = server.stats().ok;
    let (code, plan, stderr) = dry_run(&dataset, &out, &server.base_url(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (plan["present"].as_u64(), plan["to_run"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(role(&plan, "target", "openai:")["calls"], 0);
    assert_eq!(
        server.stats().ok,
        chat_calls,
        "the dry run made no chat call"
    );

    for bad in [
        "target=abc",
        "target=1/2/3",
        "nobody=1/2",
        "judge=-1/2",
        "target",
    ] {
        let (code, _, stderr) = dry_run(&dataset, &out, &server.base_url(), &["--price", bad]);
        assert_eq!(code, 2, "--price {bad}: {stderr}");
        assert!(stderr.contains("--price"), "{stderr}");
    }
    // --price belongs to --dry-run.
    let o = assurai()
        .args(run_args(
            &dataset,
            &out,
            &server.base_url(),
            &["--price", "target=1/2"],
        ))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
