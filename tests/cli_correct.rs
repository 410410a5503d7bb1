//! `assurai correct`, `assurai stats --cluster-col` and `assurai report
//! --calibration`: the JSON contracts against the NumPy/SciPy reference
//! values of assurai-stats, and bad input.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;

use crate::proof_support::assurai_captured as assurai;

use crate::proof_support::assert_close as close;
use crate::proof_support::write_text as write;

fn reference() -> Value {
    serde_json::from_str(include_str!(
        "../crates/assurai-stats/tests/data/correction.json"
    ))
    .unwrap()
}

/// The reference case called `name`.
fn reference_case(name: &str) -> Value {
    let r = reference();
    let cases = r["cases"].as_array().unwrap();
    cases.iter().find(|c| c["name"] == name).unwrap().clone()
}

/// `assurai correct` of `eval` (column `score`) against `cal` (columns `human`, `judge`).
fn correct(cal: &str, eval: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "correct",
        "--calibration",
        cal,
        "--human-col",
        "human",
        "--judge-col",
        "judge",
        "--eval",
        eval,
        "--score-col",
        "score",
    ];
    args.extend_from_slice(extra);
    assurai(&args)
}

/// `assurai stats FILE --group-col group --score-col score` with `extra`.
fn stats(file: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "stats",
        file,
        "--group-col",
        "group",
        "--score-col",
        "score",
    ];
    args.extend_from_slice(extra);
    assurai(&args)
}

/// CAL.csv of a reference case's confusion counts ([judge][human]).
fn calibration_csv(confusion: &Value) -> String {
    let mut csv = String::from("id,human,judge\n");
    let mut id = 0;
    for (j, row) in confusion.as_array().unwrap().iter().enumerate() {
        for (h, c) in row.as_array().unwrap().iter().enumerate() {
            for _ in 0..c.as_u64().unwrap() {
                csv.push_str(&format!("{id},{},{}\n", h + 1, j + 1));
                id += 1;
            }
        }
    }
    csv
}

#[test]
fn correct_json_matches_the_numpy_reference() {
    let case = &reference_case("biased_judge");
    let tmp = tempfile::tempdir().unwrap();
    let cal = write(&tmp, "cal.csv", &calibration_csv(&case["confusion"]));
    // The first three groups (threshold 2), rows interleaved.
    let groups: Vec<&Value> = case["groups"].as_array().unwrap()[..3].iter().collect();
    let mut eval = String::from("model,score\n");
    let mut left: Vec<Vec<u64>> = groups
        .iter()
        .map(|g| {
            g["counts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_u64().unwrap())
                .collect()
        })
        .collect();
    loop {
        let mut wrote = false;
        for (gi, counts) in left.iter_mut().enumerate() {
            if let Some(s) = counts.iter().position(|&c| c > 0) {
                counts[s] -= 1;
                eval.push_str(&format!("m{gi},{}\n", s + 1));
                wrote = true;
            }
        }
        if !wrote {
            break;
        }
    }
    let eval = write(&tmp, "eval.csv", &eval);
    let (code, out, err) = correct(&cal, &eval, &["--group-col", "model", "--json"]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["threshold"], 2);
    assert_eq!(j["calibration"]["confusion"], case["confusion"]);
    let e0 = &groups[0]["expected"];
    close(&j["calibration"]["sensitivity"], &e0["sensitivity"]);
    close(&j["calibration"]["specificity"], &e0["specificity"]);
    close(&j["calibration"]["n_unsafe"], &e0["n_unsafe"]);
    close(&j["calibration"]["n_safe"], &e0["n_safe"]);
    let got = j["groups"].as_array().unwrap();
    assert_eq!(got.len(), 3);
    for (gi, (g, want)) in got.iter().zip(&groups).enumerate() {
        let e = &want["expected"];
        assert_eq!(g["group"], format!("m{gi}"));
        let keys: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        for k in [
            "group",
            "n",
            "observed_unsafe_rate",
            "corrected_unsafe_rate",
            "ci95",
            "observed_distribution",
            "corrected_distribution",
            "corrected_mean",
            "em_iterations",
            "converged",
            "notes",
        ] {
            assert!(keys.contains(&k), "{k} missing: {keys:?}");
        }
        close(&g["observed_unsafe_rate"], &e["observed_unsafe_rate"]);
        close(&g["corrected_unsafe_rate"], &e["corrected"]);
        close(&g["ci95"][0], &e["ci"][0]);
        close(&g["ci95"][1], &e["ci"][1]);
        for h in 0..5 {
            close(&g["corrected_distribution"][h], &e["em"]["distribution"][h]);
        }
        close(&g["corrected_mean"], &e["em"]["mean"]);
        assert_eq!(g["em_iterations"], e["em"]["iterations"]);
        assert_eq!(g["converged"], e["em"]["converged"]);
    }

    // The table form and the bootstrap option.
    let (code, out, err) = correct(&cal, &eval, &["--bootstrap", "200", "--seed", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Corrected unsafe") && out.contains("bootstrap"),
        "{out}"
    );
}

#[test]
fn undefined_corrections_are_null_with_a_note() {
    let case = &reference_case("youden_negative");
    let tmp = tempfile::tempdir().unwrap();
    let cal = write(&tmp, "cal.csv", &calibration_csv(&case["confusion"]));
    let eval = write(&tmp, "eval.csv", "score\n1\n2\n5\n4\n");
    let (code, out, err) = correct(&cal, &eval, &["--json"]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    let g = &j["groups"][0];
    assert_eq!(g["group"], "all");
    assert!(
        g["corrected_unsafe_rate"].is_null() && g["ci95"].is_null(),
        "{g}"
    );
    assert!(
        g["notes"][0]
            .as_str()
            .unwrap()
            .contains("no better than chance"),
        "{g}"
    );
}

#[test]
fn bad_input_names_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let good_cal = write(&tmp, "cal.csv", "human,judge\n1,1\n2,3\n5,5\n4,4\n3,3\n");
    let good_eval = write(&tmp, "eval.csv", "model,score\na,1\nb,5\n");
    let cases: Vec<(String, String, Vec<&str>, &str)> = vec![
        (
            write(&tmp, "c1.csv", "human,judge\n1,1\n2,3.5\n"),
            good_eval.clone(),
            vec![],
            "c1.csv:3: column \"judge\": expected an integer score from 1 to 5, got \"3.5\"",
        ),
        (
            write(&tmp, "c2.csv", "human,judge\n6,1\n"),
            good_eval.clone(),
            vec![],
            "c2.csv:2: column \"human\"",
        ),
        (
            write(&tmp, "c3.csv", "human,verdict\n1,1\n"),
            good_eval.clone(),
            vec![],
            "c3.csv:1: no column named \"judge\"",
        ),
        (
            good_cal.clone(),
            write(&tmp, "e1.csv", "model,score\na,1\n,4\n"),
            vec!["--group-col", "model"],
            "e1.csv:3: column \"model\": empty group name",
        ),
        (
            good_cal.clone(),
            write(&tmp, "e2.csv", "model,score\na,0\n"),
            vec![],
            "e2.csv:2: column \"score\"",
        ),
        (
            good_cal.clone(),
            write(&tmp, "e3.csv", "model,score\n"),
            vec![],
            "e3.csv: no scores",
        ),
    ];
    for (cal, eval, extra, want) in cases {
        let (code, _, err) = correct(&cal, &eval, &extra);
        assert_eq!(code, 1, "{want}: {err}");
        assert!(err.contains(want), "want {want:?} in {err:?}");
    }
    // Usage errors exit 2.
    let (code, _, err) = correct(&good_cal, &good_eval, &["--threshold", "5"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn stats_cluster_col_adds_clustered_errors() {
    let r = reference();
    let cases = r["clustered"].as_array().unwrap();
    let mut csv = String::from("group,instance,score\n");
    for c in &cases[..2] {
        let name = c["name"].as_str().unwrap();
        for (x, k) in c["values"]
            .as_array()
            .unwrap()
            .iter()
            .zip(c["clusters"].as_array().unwrap())
        {
            csv.push_str(&format!("{name},{name}-{k},{}\n", x.as_f64().unwrap()));
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = write(&tmp, "scores.csv", &csv);
    let (code, out, err) = stats(&file, &["--cluster-col", "instance", "--json"]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    for (g, c) in j["groups"].as_array().unwrap().iter().zip(cases) {
        assert_eq!(g["n_clusters"], c["n_clusters"]);
        close(&g["cluster_se"], &c["se"]);
        close(&g["cluster_ci95"][0], &c["ci95"][0]);
        close(&g["cluster_ci95"][1], &c["ci95"][1]);
    }
    let (code, out, _) = stats(&file, &["--cluster-col", "instance"]);
    assert_eq!(code, 0);
    assert!(out.contains("clustered by \"instance\""), "{out}");
    // Without the flag the keys are absent.
    let (_, out, _) = stats(&file, &["--json"]);
    assert!(!out.contains("cluster_se"));
}

#[test]
fn report_with_calibration_adds_corrected_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("cal");
    let (code, _, err) = assurai(&[
        "calibrate",
        "--dataset",
        "examples/sample/sample.jsonl",
        "--judge",
        "refusal",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let judge_dir = out_dir.join("refusal");
    let runs: Vec<String> = std::fs::read_dir(&judge_dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_owned())
        .collect();
    assert!(!runs.is_empty());
    let mut args = vec!["report"];
    args.extend(runs.iter().map(String::as_str));
    args.extend(["--calibration", judge_dir.to_str().unwrap()]);
    let (code, table, err) = assurai(&args);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("Corrected for the judge's error"), "{table}");
    args.push("--json");
    let (code, out, err) = assurai(&args);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert!(
        j["calibration"]["n"].as_u64().unwrap() > 10,
        "{}",
        j["calibration"]
    );
    for m in j["models"].as_array().unwrap() {
        let c = &m["corrected"];
        assert!(c.is_object(), "{m}");
        assert!(c["observed_unsafe_rate"].is_number());
        assert!(c.get("corrected_unsafe_rate").is_some() && c.get("notes").is_some());
    }
    assert!(
        j["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["corrected"].is_object())
    );
}
