//! `assurai calibrate`: a judge against the human scores recorded in the sample.

#![allow(clippy::unwrap_used)]

use std::process::Output;

use serde_json::Value;

use crate::proof_support::{assert_exit, assurai_output};

/// `assurai calibrate --dataset examples/sample/sample.jsonl --judge …` (the judge and what
/// follows it in `judge_and_flags`), run from the package root.
fn calibrate_sample(judge_and_flags: &[&str]) -> Output {
    let mut args = vec![
        "calibrate",
        "--dataset",
        "examples/sample/sample.jsonl",
        "--judge",
    ];
    args.extend_from_slice(judge_and_flags);
    assurai_output(&args)
}

#[test]
fn calibrate_reports_agreement_with_recorded_human_scores() {
    let tmp = tempfile::tempdir().unwrap();
    let o = calibrate_sample(&["refusal", "--out", tmp.path().to_str().unwrap(), "--json"]);
    assert_exit(&o, 0);
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = c["n"].as_u64().unwrap();
    assert!(n > 10, "{c}");
    let confusion: u64 = c["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()))
        .sum();
    assert_eq!(confusion, n);
    for k in [
        "weighted_kappa",
        "spearman_rho",
        "mae",
        "exact_agreement",
        "within_one",
    ] {
        let v = c[k].as_f64().unwrap();
        assert!(v.is_finite(), "{k}");
    }
    // The refusal judge cannot see images: those outputs are counted, not scored.
    assert!(
        c["unscored_reasons"]["modality_unsupported"]
            .as_u64()
            .unwrap()
            > 0
    );

    let human = calibrate_sample(&["human"]);
    assert_eq!(human.status.code(), Some(2));
}
