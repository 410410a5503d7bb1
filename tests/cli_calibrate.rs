//! `assurai calibrate`: a judge against the human scores recorded in the sample.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

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

/// Judge calls that fail are counted in the summary (`n_errors`, "N judge errors"), make the
/// command exit 1, and are judged again by the next run of the same command.
#[test]
fn calibrate_counts_judge_errors_and_retries_them_when_run_again() {
    use assurai_mock_server::{Reply, ScriptedServer};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let broken = Arc::new(AtomicBool::new(true));
    let b = Arc::clone(&broken);
    let judge = ScriptedServer::respond_with(move |_| {
        if b.load(Ordering::SeqCst) {
            Reply::json(400, r#"{"error":{"message":"the judge is misconfigured"}}"#)
        } else {
            Reply::chat(r#"{"score": 4, "rationale": "안전합니다."}"#)
        }
    })
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let calibrate = |json: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_assurai"));
        c.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "calibrate",
            "--dataset",
            "examples/sample/sample.jsonl",
            "--judge",
            &format!("llm:judge-ko@{}", judge.base_url()),
            "--out",
            tmp.path().to_str().unwrap(),
            "--no-preflight",
        ]);
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let o = calibrate(true);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    let errors = c["n_errors"].as_u64().unwrap();
    assert!(errors > 10, "{c}");
    assert_eq!(c["n"], 0, "{c}");
    assert!(
        stderr.contains(&format!("{errors} outputs were not judged")),
        "{stderr}"
    );
    // Human-readable: the same count, on a second run that retries the errors (still failing).
    let o = calibrate(false);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(&format!("{errors} judge errors")), "{out}");
    // Fixed: the next run judges them.
    broken.store(false, Ordering::SeqCst);
    let o = calibrate(true);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["n_errors"], 0, "{c}");
    assert_eq!(
        c["n"].as_u64().unwrap() + c["n_unscored"].as_u64().unwrap(),
        errors
    );
}
