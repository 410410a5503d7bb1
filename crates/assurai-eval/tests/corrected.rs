//! `Report` with a calibration (`assurai report --calibration`): the
//! `corrected` objects equal assurai-stats' correction of the same counts,
//! epochs > 1 are clustered by instance, and a different judge is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assurai_eval::{
    EvalError, Manifest, RecordVerdict, Report, ReportOptions, ResultStore, StoreOptions,
};
use assurai_stats::{
    ConfusionMatrix, clustered_mean_from_sums, correct_group, correct_group_with_variance,
};
use assurai_taxonomy::{RiskCategory, RiskFactor};

use crate::support::q_only_text;

const JUDGE: &str = "llm:judge@http://127.0.0.1:1";

fn factor(i: usize) -> RiskFactor {
    RiskFactor::ALL[(i * 5) % RiskFactor::ALL.len()]
}

fn verdict(score: u8, version: &str) -> RecordVerdict {
    RecordVerdict {
        judge: JUDGE.into(),
        score: Some(score),
        prompt_version: Some(version.into()),
        ..RecordVerdict::default()
    }
}

/// Calibration pair `i`: (human scores, judge score). A lenient judge: it
/// moves a third of the outputs up a point; some humans disagree (2 and 3
/// average 2.5, counted as 2).
fn pair(i: usize) -> (Vec<u8>, u8) {
    let h = (i % 5) as u8 + 1;
    let j = if i.is_multiple_of(3) {
        (h + 1).min(5)
    } else {
        h
    };
    if i.is_multiple_of(7) && h == 2 {
        (vec![2, 3], j)
    } else {
        (vec![h], j)
    }
}

fn write_calibration(dir: &Path, version: &str) -> ConfusionMatrix {
    let manifest = Manifest::new(serde_json::json!({"target": "replay"}));
    let (store, _) = ResultStore::open(dir, &manifest, StoreOptions::default()).unwrap();
    let mut cal = ConfusionMatrix::new();
    for i in 0..200 {
        let (human, judge) = pair(i);
        let mut r = q_only_text(format!("c{i:03}"), "recorded", 1, factor(i));
        r.set_scored(judge);
        r.verdicts.push(verdict(judge, version));
        let mean = human.iter().map(|&h| f64::from(h)).sum::<f64>() / human.len() as f64;
        cal.add((mean - 0.5).ceil() as u8, judge).unwrap();
        r.human_scores = human;
        store.append(&r).unwrap();
    }
    cal
}

fn score(m: usize, i: usize, epoch: u32) -> u8 {
    (1 + (i * 3 + m + epoch as usize * (i % 2)) % 5) as u8
}

fn write_run(dir: &Path, model: &str, m: usize, epochs: u32, version: &str) {
    let manifest = Manifest::new(serde_json::json!({"target": model}));
    let (store, _) = ResultStore::open(dir, &manifest, StoreOptions::default()).unwrap();
    for epoch in 1..=epochs {
        for i in 0..120 {
            let mut r = q_only_text(format!("i{i:03}"), model, epoch, factor(i));
            if i.is_multiple_of(17) {
                r.set_blocked();
            } else {
                let s = score(m, i, epoch);
                r.set_scored(s);
                r.verdicts.push(verdict(s, version));
            }
            store.append(&r).unwrap();
        }
    }
}

fn counts(m: usize, epochs: u32, keep: impl Fn(usize) -> bool) -> ([u64; 5], Vec<(u64, f64)>) {
    let mut c = [0u64; 5];
    let mut sums = vec![(0u64, 0.0); 120];
    for epoch in 1..=epochs {
        for i in (0..120).filter(|&i| i % 17 != 0 && keep(i)) {
            let s = score(m, i, epoch);
            c[usize::from(s - 1)] += 1;
            sums[i].0 += 1;
            sums[i].1 += f64::from(u8::from(s <= 2));
        }
    }
    (c, sums)
}

#[test]
fn corrected_numbers_equal_assurai_stats_and_epochs_are_clustered() {
    let tmp = tempfile::tempdir().unwrap();
    let cal_dir = tmp.path().join("cal");
    let cal = write_calibration(&cal_dir.join("recorded"), "t1+r1");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write_run(&a, "model-a", 0, 1, "t1+r1");
    write_run(&b, "model-b", 1, 2, "t1+r1");
    let report = Report::from_runs(
        &[a.as_path(), b.as_path()],
        &ReportOptions::default().calibration(&cal_dir),
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();

    // One epoch: the binomial delta-method interval.
    let (ca, _) = counts(0, 1, |_| true);
    let want = correct_group(&cal, 2, &ca).unwrap();
    let got = &json["models"][0]["corrected"];
    assert_eq!(got["clustered"], false);
    assert_eq!(
        got["corrected_unsafe_rate"],
        serde_json::json!(want.corrected_unsafe_rate)
    );
    assert_eq!(got["ci95"], serde_json::to_value(want.ci95).unwrap());
    assert_eq!(
        got["corrected_distribution"],
        serde_json::json!(want.corrected_distribution)
    );
    assert_eq!(got["em_iterations"], serde_json::json!(want.em_iterations));

    // Two epochs: the observed rate's variance is clustered by instance.
    let (cb, sums) = counts(1, 2, |_| true);
    let m = clustered_mean_from_sums(&sums, 0.95).unwrap();
    let want = correct_group_with_variance(&cal, 2, &cb, m.se * m.se).unwrap();
    let got = &json["models"][1]["corrected"];
    assert_eq!(got["clustered"], true);
    assert_eq!(got["n_clusters"], serde_json::json!(m.n_clusters));
    assert_eq!(got["ci95"], serde_json::to_value(want.ci95).unwrap());
    assert_eq!(
        got["corrected_unsafe_rate"],
        serde_json::json!(want.corrected_unsafe_rate)
    );

    // A category row of the clustered model.
    let cat = factor(0).category();
    let in_cat = |i: usize| factor(i).category() == cat;
    let (cc, sums) = counts(1, 2, in_cat);
    let m = clustered_mean_from_sums(&sums, 0.95).unwrap();
    let want = correct_group_with_variance(&cal, 2, &cc, m.se * m.se).unwrap();
    let row = json["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == "model-b" && r["category"] == cat.id())
        .unwrap();
    assert_eq!(
        row["corrected"]["ci95"],
        serde_json::to_value(want.ci95).unwrap()
    );
    assert_eq!(row["corrected"]["n"], serde_json::json!(want.n));
    assert!(
        json["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["corrected"].is_object())
    );

    let c = &json["calibration"];
    assert_eq!(c["n"], 200);
    assert_eq!(c["clustered"], true);
    assert_eq!(c["confusion"], serde_json::to_value(cal).unwrap());
    assert!(c["judge"].as_str().unwrap().contains("t1+r1"));

    let md = report.to_markdown();
    assert!(md.contains("## Corrected for the judge's error"), "{md}");
    assert!(md.contains("clustered by instance"));
    let html = report.to_html();
    assert!(html.contains(r#"<section id="corrected">"#));
    assert!(html.contains("Unsafe rate: observed and corrected"));
    let _ = RiskCategory::ALL;
}

#[test]
fn without_calibration_the_report_has_no_corrected_keys() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "model-a", 0, 1, "t1+r1");
    let report = Report::from_runs(&[tmp.path()], &ReportOptions::default()).unwrap();
    let json = report.to_json();
    assert!(!json.contains("\"corrected\"") && !json.contains("\"calibration\""));
    assert!(!report.to_markdown().contains("Corrected for the judge"));
}

#[test]
fn another_rubric_version_or_no_pairs_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cal_dir = tmp.path().join("cal");
    write_calibration(&cal_dir, "t1+r1");
    let run = tmp.path().join("run");
    write_run(&run, "model-a", 0, 1, "t1+r2");
    let err = Report::from_runs(
        &[run.as_path()],
        &ReportOptions::default().calibration(&cal_dir),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, EvalError::Calibration { .. }), "{text}");
    assert!(text.contains("t1+r1") && text.contains("t1+r2"), "{text}");

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = Report::from_runs(
        &[run.as_path()],
        &ReportOptions::default().calibration(&empty),
    )
    .unwrap_err();
    assert!(err.to_string().contains("results.jsonl"), "{err}");

    // Runs without human scores are not a calibration.
    let err = Report::from_runs(
        &[run.as_path()],
        &ReportOptions::default().calibration(&run),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("no scored record carries human scores"),
        "{err}"
    );
}
