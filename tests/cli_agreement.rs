//! End-to-end tests of `assurai agreement`: the JSON contract, agreement
//! with the `krippendorff` package and statsmodels, and bad input.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;

use crate::proof_support::assurai_captured as assurai;

use crate::proof_support::assert_close as close;
use crate::proof_support::write_text as write;

/// Long-format CSV of a reference ratings matrix (missing cells left out).
fn long_csv(rows: &Value) -> String {
    let mut csv = String::from("rater,item,score\n");
    for (i, row) in rows.as_array().unwrap().iter().enumerate() {
        for (r, v) in row.as_array().unwrap().iter().enumerate() {
            if let Some(x) = v.as_f64() {
                csv.push_str(&format!("annotator{r},item{i},{x}\n"));
            }
        }
    }
    csv
}

/// `assurai agreement FILE --item-col item --rater-col rater --label-col LABEL` with `extra`.
fn agreement(path: &str, label: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "agreement",
        path,
        "--item-col",
        "item",
        "--rater-col",
        "rater",
        "--label-col",
        label,
    ];
    args.extend_from_slice(extra);
    assurai(&args)
}

#[test]
fn json_contract_and_values_match_reference() {
    let r: Value = serde_json::from_str(include_str!(
        "../crates/assurai-stats/tests/data/reference.json"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in r["agreement"].as_array().unwrap().iter().enumerate() {
        let path = write(&dir, &format!("r{i}.csv"), &long_csv(&case["rows"]));
        let (code, out, err) = agreement(&path, "score", &["--json"]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "fleiss_kappa",
                "krippendorff_alpha",
                "n_items",
                "n_raters",
                "percent_agreement"
            ]
        );
        assert_eq!(v["n_items"], case["rows"].as_array().unwrap().len());
        close(&v["percent_agreement"], &case["percent_agreement_formula"]);
        close(&v["krippendorff_alpha"]["nominal"], &case["alpha_nominal"]);
        close(&v["krippendorff_alpha"]["ordinal"], &case["alpha_ordinal"]);
        close(
            &v["krippendorff_alpha"]["interval"],
            &case["alpha_interval"],
        );
        if case["fleiss_kappa"].is_null() {
            assert!(v["fleiss_kappa"].is_null());
        } else {
            close(&v["fleiss_kappa"], &case["fleiss_kappa"]);
        }
    }
}

#[test]
fn text_labels_are_nominal() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "t.csv",
        "item,rater,label\n1,a,safe\n1,b,safe\n2,a,unsafe\n2,b,safe\n3,a,unsafe\n3,b,unsafe\n",
    );
    let (code, out, err) = agreement(&path, "label", &["--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["krippendorff_alpha"]["ordinal"].is_null());
    assert!((v["percent_agreement"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
}

#[test]
fn bad_input_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "dup.csv",
            "item,rater,label\n1,a,5\n1,a,4\n",
            ":3: column \"rater\": rater \"a\" already labelled item \"1\"",
        ),
        (
            "missing.csv",
            "item,who,label\n1,a,5\n",
            "no column named \"rater\"",
        ),
        ("empty.csv", "", "empty file"),
        (
            "blank.csv",
            "item,rater,label\n1,a,\n",
            ":2: column \"label\": empty label",
        ),
        (
            "single.csv",
            "item,rater,label\n1,a,5\n1,b,5\n2,a,5\n2,b,5\n",
            "is undefined",
        ),
    ];
    for (name, text, needle) in cases {
        let path = write(&dir, name, text);
        let (code, _, err) = agreement(&path, "label", &[]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err:?} lacks {needle:?}");
    }
    let (code, _, _) = assurai(&["agreement", "x.csv", "--item-col", "item"]);
    assert_eq!(code, 2);
}
