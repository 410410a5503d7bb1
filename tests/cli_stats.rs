//! End-to-end tests of `assurai stats`: the JSON contract, agreement with
//! SciPy on the paper-shaped data set, and bad input.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;

use crate::proof_support::assurai_captured as assurai;

use crate::proof_support::assert_close as close;
use crate::proof_support::write_text as write;

fn reference() -> Value {
    serde_json::from_str(include_str!(
        "../crates/assurai-stats/tests/data/reference.json"
    ))
    .unwrap()
}

/// The paper-shaped data set (4 groups x 35 scores) of the stats reference
/// file as a CSV, with groups named so that first appearance != sorted order.
fn paper_csv() -> (String, Value) {
    let r = reference();
    let case = &r["groups"]["paper_4x35"];
    let names = ["model-d", "model-b", "model-a", "model-c"];
    let mut csv = String::from("id,model,score\n");
    let groups = case["data"].as_array().unwrap();
    // Interleave rows so that groups are not contiguous.
    let n = groups[0].as_array().unwrap().len();
    for i in 0..n {
        for (g, name) in groups.iter().zip(names) {
            csv.push_str(&format!("{i},{name},{}\n", g[i].as_f64().unwrap()));
        }
    }
    (csv, case["expected"].clone())
}

/// `assurai stats FILE --group-col model --score-col score` with `extra`.
fn stats(path: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "stats",
        path,
        "--group-col",
        "model",
        "--score-col",
        "score",
    ];
    args.extend_from_slice(extra);
    assurai(&args)
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[test]
fn json_contract_and_values_match_scipy() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, want) = paper_csv();
    let path = write(&dir, "scores.csv", &csv);
    let (code, out, err) = stats(&path, &["--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        keys(&v),
        [
            "anova",
            "brown_forsythe",
            "groups",
            "kruskal_wallis",
            "levene",
            "tukey_hsd",
            "welch_anova"
        ]
    );
    assert_eq!(
        keys(&v["groups"][0]),
        ["ci95", "cv_percent", "group", "mean", "n", "sd"]
    );
    assert_eq!(
        keys(&v["anova"]),
        ["df_between", "df_within", "eta_squared", "f", "p"]
    );
    assert_eq!(
        keys(&v["welch_anova"]),
        ["df_between", "df_within", "f", "p"]
    );
    assert_eq!(keys(&v["levene"]), ["p", "w"]);
    assert_eq!(keys(&v["brown_forsythe"]), ["p", "w"]);
    assert_eq!(keys(&v["kruskal_wallis"]), ["df", "h", "p"]);
    assert_eq!(
        keys(&v["tukey_hsd"][0]),
        ["a", "b", "ci95", "diff", "p_adj", "reject"]
    );
    // Groups in order of first appearance; pairs a before b in that order.
    let names: Vec<&str> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["model-d", "model-b", "model-a", "model-c"]);
    let pairs: Vec<(&str, &str)> = v["tukey_hsd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["a"].as_str().unwrap(), p["b"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs[0], ("model-d", "model-b"));
    assert_eq!(pairs[5], ("model-a", "model-c"));
    // Values against SciPy.
    for (g, e) in v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["descriptive"].as_array().unwrap())
    {
        close(&g["mean"], &e["mean"]);
        close(&g["sd"], &e["sd"]);
        close(&g["ci95"][0], &e["ci95"][0]);
        close(&g["ci95"][1], &e["ci95"][1]);
    }
    close(&v["anova"]["f"], &want["anova"]["f"]);
    close(&v["anova"]["p"], &want["anova"]["p"]);
    assert_eq!(v["anova"]["df_within"], 136.0);
    close(&v["welch_anova"]["p"], &want["welch_anova"]["p"]);
    close(&v["levene"]["w"], &want["levene"]["w"]);
    close(&v["brown_forsythe"]["p"], &want["brown_forsythe"]["p"]);
    close(&v["kruskal_wallis"]["h"], &want["kruskal_wallis"]["h"]);
    for (p, e) in v["tukey_hsd"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["tukey_hsd"].as_array().unwrap())
    {
        close(&p["diff"], &e["diff"]);
        close(&p["ci95"][0], &e["ci95"][0]);
        assert!((p["p_adj"].as_f64().unwrap() - e["p_adj"].as_f64().unwrap()).abs() < 2e-9);
        assert_eq!(
            p["reject"].as_bool().unwrap(),
            e["p_adj"].as_f64().unwrap() < 0.05
        );
    }
}

#[test]
fn human_output_has_the_three_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = paper_csv();
    let path = write(&dir, "scores.csv", &csv);
    let (code, out, _) = stats(&path, &[]);
    assert_eq!(code, 0);
    for needle in [
        "Descriptive statistics",
        "One-way ANOVA",
        "Kruskal–Wallis",
        "Tukey HSD",
        "model-c",
    ] {
        assert!(out.contains(needle), "missing {needle}:\n{out}");
    }
}

#[test]
fn bad_input_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "missing.csv",
            "model,score\na,1\n",
            "--score-col",
            "points",
            "no column named \"points\"",
        ),
        (
            "text.csv",
            "model,score\na,1\na,2\nb,x\nb,3\n",
            "--score-col",
            "score",
            ":4: column \"score\": expected a finite number, got \"x\"",
        ),
        (
            "nan.csv",
            "model,score\na,1\na,NaN\nb,2\nb,3\n",
            "--score-col",
            "score",
            ":3: column \"score\"",
        ),
        (
            "small.csv",
            "model,score\na,1\na,2\nb,3\n",
            "--score-col",
            "score",
            ":4: column \"model\": group \"b\" has 1 score",
        ),
        (
            "one.csv",
            "model,score\na,1\na,2\n",
            "--score-col",
            "score",
            "single group",
        ),
        ("empty.csv", "", "--score-col", "score", "empty file"),
        (
            "header.csv",
            "model,score\n",
            "--score-col",
            "score",
            "no data rows",
        ),
        (
            "ragged.csv",
            "model,score\na,1\na,2,3\n",
            "--score-col",
            "score",
            "line 3",
        ),
        (
            "flat.csv",
            "model,score\na,2\na,2\nb,3\nb,3\n",
            "--score-col",
            "score",
            "zero variance",
        ),
    ];
    for (name, text, flag, col, needle) in cases {
        let path = write(&dir, name, text);
        let (code, out, err) = assurai(&["stats", &path, "--group-col", "model", flag, col]);
        assert_eq!(code, 1, "{name}: {out}{err}");
        assert!(err.contains(needle), "{name}: {err:?} lacks {needle:?}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(out.is_empty());
    }
    let (code, _, err) = assurai(&[
        "stats",
        "/nonexistent/x.csv",
        "--group-col",
        "a",
        "--score-col",
        "b",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot open"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = assurai(&["stats", "x.csv", "--group-col", "a"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = assurai(&["stats", "--bogus"]);
    assert_eq!(code, 2);
    let (code, out, _) = assurai(&["stats", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--group-col"));
}
