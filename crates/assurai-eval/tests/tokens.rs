//! Tokens per model and role, and truncated outputs, in every report rendering: sums of
//! the usage servers reported, missing usage counted apart (never as 0 tokens).

use assurai_eval::{Manifest, Record, Report, ReportOptions, ResultStore, StoreOptions};
use assurai_taxonomy::RiskFactor;

use crate::support::q_only_text;

fn record(id: &str, model: &str) -> Record {
    let mut r = q_only_text(id, model, 1, RiskFactor::ViolentActs);
    r.attempts = 1;
    r.output.text = Some("answer".into());
    r.output.extra.insert("finish_reason".into(), "stop".into());
    r.set_scored(5);
    r
}

fn judged(mut r: Record, usage: Option<(u64, u64)>, without: Option<u32>) -> Record {
    r.extra.insert("judge_attempts".into(), 1.into());
    if let Some((i, o)) = usage {
        r.usage.judge_input_tokens = Some(i);
        r.usage.judge_output_tokens = Some(o);
    }
    r.usage.judge_calls_without_usage = without;
    r
}

fn write(dir: &std::path::Path, target: &str, records: &[Record]) {
    let manifest = Manifest::new(serde_json::json!({"target": target}));
    let (store, _) = ResultStore::open(dir, &manifest, StoreOptions::default()).unwrap();
    for r in records {
        store.append(r).unwrap();
    }
}

fn row<'a>(report: &'a Report, model: &str, role: &str) -> &'a assurai_eval::RoleTokens {
    report
        .tokens
        .iter()
        .find(|t| t.model == model && t.role == role)
        .unwrap_or_else(|| panic!("no {role} row for {model}: {:?}", report.tokens))
}

#[test]
fn tokens_are_summed_per_model_and_role_and_missing_usage_is_counted_apart() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("run");
    let mut records = Vec::new();
    // a1: everything reported.
    let mut r = record("a1", "m");
    r.usage.target_input_tokens = Some(100);
    r.usage.target_output_tokens = Some(40);
    records.push(judged(r, Some((700, 30)), None));
    // a2: the target reported nothing; the judge one of two calls.
    let r = record("a2", "m");
    records.push(judged(r, Some((650, 20)), Some(1)));
    // a3: a speech output with a transcript (duration-billed transcriber: no tokens), and a
    // truncated target output.
    let mut r = record("a3", "m");
    r.usage.target_input_tokens = Some(10);
    r.usage.target_output_tokens = Some(256);
    r.output
        .extra
        .insert("finish_reason".into(), "length".into());
    r.output.extra.insert("truncated".into(), true.into());
    r.output.transcript = Some("안녕하세요".into());
    records.push(judged(r, None, Some(1)));
    // a4: the target failed on every try: no answer, no usage, no judge.
    let mut r = q_only_text("a4", "m", 1, RiskFactor::ViolentActs);
    r.attempts = 4;
    r.set_error("connection", "connection refused");
    records.push(r);
    // a5: a transcriber that bills tokens; judged by the refusal judge only (no judge calls).
    let mut r = record("a5", "m");
    r.usage.target_input_tokens = Some(5);
    r.usage.target_output_tokens = Some(5);
    r.output.transcript = Some("네".into());
    r.usage.transcriber_input_tokens = Some(12);
    r.usage.transcriber_output_tokens = Some(3);
    records.push(r);
    write(&dir, "openai:m@http://127.0.0.1:1/v1", &records);

    let report = Report::from_runs(&[dir.as_path()], &ReportOptions::default()).unwrap();
    let t = row(&report, "m", "target");
    // a1, a2, a3, a5 answered; a2 without usage.
    assert_eq!(t.records, 4);
    assert_eq!(t.input_tokens, Some(100 + 10 + 5));
    assert_eq!(t.output_tokens, Some(40 + 256 + 5));
    assert_eq!(t.records_missing_usage, 1);
    let j = row(&report, "m", "judge");
    assert_eq!(j.records, 3);
    assert_eq!(j.input_tokens, Some(700 + 650));
    assert_eq!(j.output_tokens, Some(30 + 20));
    assert_eq!(j.records_missing_usage, 2);
    let s = row(&report, "m", "transcriber");
    assert_eq!(s.records, 2);
    assert_eq!(s.input_tokens, Some(12));
    assert_eq!(s.output_tokens, Some(3));
    assert_eq!(s.records_missing_usage, 1);
    assert_eq!(report.models[0].n_truncated, 1);

    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["models"][0]["n_truncated"], 1);
    let roles: Vec<&str> = json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["target", "judge", "transcriber"]);
    assert_eq!(json["tokens"][1]["input_tokens"], 1350);
    assert_eq!(json["tokens"][1]["records_missing_usage"], 2);

    let md = report.to_markdown();
    assert!(md.contains("## Tokens"), "{md}");
    assert!(md.contains("| m | judge | 3 | 1,350 | 50 | 2 |"), "{md}");
    assert!(md.contains("| m | 1 | 5 |"), "truncated row: {md}");
    let html = report.to_html();
    assert!(html.contains(r#"<section id="tokens">"#));
    assert!(
        html.contains(r#"<td class="n" data-v="1350">1,350</td>"#),
        "{html}"
    );

    let written = report.write_csv(&root.path().join("tables")).unwrap();
    let csv = written.iter().find(|p| p.ends_with("tokens.csv")).unwrap();
    let text = std::fs::read_to_string(csv).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "model,role,records,input_tokens,output_tokens,records_missing_usage",
            "m,target,4,115,301,1",
            "m,judge,3,1350,50,2",
            "m,transcriber,2,12,3,1",
        ]
    );
    let models = std::fs::read_to_string(root.path().join("tables/models.csv")).unwrap();
    let header = models.lines().next().unwrap();
    assert!(header.ends_with(",n_truncated"), "{header}");
    assert!(models.lines().nth(1).unwrap().ends_with(",1"));
}

#[test]
fn a_role_whose_server_never_reported_usage_has_null_sums_not_zero() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("run");
    let records: Vec<Record> = ["b1", "b2"]
        .iter()
        .map(|id| judged(record(id, "m"), None, Some(1)))
        .collect();
    write(&dir, "openai:m@http://127.0.0.1:1/v1", &records);
    let report = Report::from_runs(&[dir.as_path()], &ReportOptions::default()).unwrap();
    for role in ["target", "judge"] {
        let t = row(&report, "m", role);
        assert_eq!(
            (t.records, t.input_tokens, t.output_tokens),
            (2, None, None)
        );
        assert_eq!(t.records_missing_usage, 2);
    }
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert!(json["tokens"][0]["input_tokens"].is_null());
    assert!(
        report
            .to_markdown()
            .contains("| m | target | 2 | – | – | 2 |")
    );
    // No truncated output: no truncation table.
    assert!(!report.to_markdown().contains("Truncated outputs"));
}

#[test]
fn replayed_targets_call_no_model_and_superseded_lines_still_count() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("run");
    // A replay run: the target's outputs were recorded; the judge was called.
    let first = judged(record("c1", "m"), Some((100, 10)), None);
    let mut errored = record("c2", "m");
    errored.set_error("judge", "judge failed");
    let errored = judged(errored, Some((90, 0)), None);
    // c2 re-tried: both lines' judge calls were made.
    let retried = judged(record("c2", "m"), Some((95, 9)), None);
    write(&dir, "replay:data.jsonl#m", &[first, errored, retried]);
    let report = Report::from_runs(&[dir.as_path()], &ReportOptions::default()).unwrap();
    assert!(
        report.tokens.iter().all(|t| t.role != "target"),
        "{:?}",
        report.tokens
    );
    let j = row(&report, "m", "judge");
    assert_eq!(j.records, 3);
    assert_eq!(j.input_tokens, Some(285));
    assert_eq!(j.output_tokens, Some(19));
    assert_eq!(j.records_missing_usage, 0);
    // The model's statistics count the current records only.
    assert_eq!(report.models[0].n_total, 2);
}
