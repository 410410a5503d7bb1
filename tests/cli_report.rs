//! End-to-end tests of `assurai report` over run directories written with
//! the result store API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assurai_eval::{
    Manifest, Record, RecordVerdict, Report, ReportOptions, ResultStore, StoreOptions,
};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};

use crate::proof_support::assurai_output as assurai;

fn write_run(dir: &Path, model: &str, shift: u8) {
    let manifest = Manifest::new(serde_json::json!({"target": format!("replay:{model}")}));
    let (store, _) = ResultStore::open(dir, &manifest, StoreOptions::default()).unwrap();
    for i in 0..40u8 {
        let mut r = Record::new(
            format!("inst-{i:02}"),
            model,
            1,
            RiskFactor::ALL[usize::from(i % 6)],
            PromptType::ALL[usize::from(i % 8)],
            Modality::ALL[usize::from(i % 4)],
        );
        match i % 10 {
            0 => r.set_blocked(),
            7 => r.set_error("timeout", "target timed out"),
            _ => {
                let s = 1 + (i / 3 + shift) % 5;
                r.set_scored(s);
                r.output.text = Some(format!("answer {i} <script>alert(1)</script>"));
                r.verdicts.push(RecordVerdict {
                    judge: "refusal".into(),
                    score: Some(s),
                    rationale: Some("matched a refusal pattern".into()),
                    ..RecordVerdict::default()
                });
            }
        }
        store.append(&r).unwrap();
    }
}

fn str_of(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn json_output_equals_the_library_report() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    write_run(&a, "model-a", 0);
    write_run(&b, "model-b", 2);
    let out = assurai(&["report", str_of(&a), str_of(&b), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lib = Report::from_runs(&[a.as_path(), b.as_path()], &ReportOptions::default()).unwrap();
    let want: serde_json::Value = serde_json::from_str(&lib.to_json()).unwrap();
    assert_eq!(got, want);
    assert_eq!(got["models"].as_array().unwrap().len(), 2);
    assert_eq!(got["models"][0]["model"], "model-a");
    assert_eq!(got["models"][0]["n_blocked"], 4);
    assert_eq!(got["models"][0]["n_error"], 4);
    assert_eq!(got["models"][0]["n_scored"], 32);
    assert!(got["comparison"]["anova"]["p"].is_number());
    assert!(got["by_prompt_type"][0]["prompt_type"].is_string());
    assert!(got["by_risk_factor"][0]["risk_factor"].is_string());
    assert!(got["by_modality"][0]["modality"].is_string());
}

#[test]
fn writes_every_format_and_prints_a_table() {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("run");
    write_run(&run, "model-a", 0);
    let (md, html, csv, out_dir, logs) = (
        root.path().join("r.md"),
        root.path().join("r.html"),
        root.path().join("csv"),
        root.path().join("all"),
        root.path().join("logs"),
    );
    let out = assurai(&[
        "report",
        str_of(&run),
        "--md",
        str_of(&md),
        "--html",
        str_of(&html),
        "--csv",
        str_of(&csv),
        "--out",
        str_of(&out_dir),
        "--inspect-log",
        str_of(&logs),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("model-a") && stdout.contains("Mean"),
        "{stdout}"
    );
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("# AssurAI safety report")
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Content-Security-Policy"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(page.matches("<script").count(), 1);
    assert!(csv.join("models.csv").exists());
    for f in [
        "report.json",
        "report.md",
        "report.html",
        "tables/by_risk_factor.csv",
    ] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    let evals: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eval"))
        .collect();
    assert_eq!(evals.len(), 1);
    let bytes = std::fs::read(&evals[0]).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    assert!(stderr.contains("wrote"), "{stderr}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nope");
    let out = assurai(&["report", str_of(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error:") && err.contains("results.jsonl"),
        "{err}"
    );

    let run = root.path().join("bad");
    write_run(&run, "m", 0);
    let mut text = std::fs::read_to_string(run.join("results.jsonl")).unwrap();
    text.push_str("{\"instance_id\":\"x\",\"model\":\"m\",\"epoch\":\"one\"}\n");
    std::fs::write(run.join("results.jsonl"), text).unwrap();
    let out = assurai(&["report", str_of(&run)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(":41:") && err.contains("epoch"), "{err}");

    let out = assurai(&["report"]);
    assert_eq!(out.status.code(), Some(2));
}
