//! Tokens and cost: `assurai run`'s report totals the tokens each role used, per model, as the
//! servers reported them; `assurai run --dry-run` estimates them without calling any model.

use assurai_mock_server::{Faults, MockServer};

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
