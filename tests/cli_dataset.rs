//! End-to-end tests of `assurai validate` and `assurai dataset …` on the
//! shipped sample and the bad-input fixtures.

#![allow(clippy::unwrap_used)]

use crate::proof_support::assert_exit;
use std::path::{Path, PathBuf};
use std::process::Output;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample() -> PathBuf {
    root().join("examples/sample/sample.jsonl")
}

fn bad(name: &str) -> PathBuf {
    root().join("crates/assurai-dataset/tests/bad").join(name)
}

use crate::proof_support::assurai_output as assurai;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn validate_sample_is_valid() {
    let out = assurai(&["validate", s(&sample())]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("valid — 39 instances, 0 errors"), "{text}");
    assert!(
        text.contains("covers 35/35 risk factors, 8/8 prompt types"),
        "{text}"
    );
}

#[test]
fn validate_json_contract() {
    let out = assurai(&["validate", "--json", s(&sample())]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5);
    for k in ["instances", "valid", "errors", "warnings", "distribution"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["instances"], 39);
    assert_eq!(v["valid"], true);
    assert_eq!(v["distribution"]["total"], 39);
    assert_eq!(v["distribution"]["by_factor"]["fraud"]["text"], 1);
}

#[test]
fn validate_invalid_exits_1_with_every_error() {
    let out = assurai(&["validate", "--json", s(&bad("unknown_factor.jsonl"))]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 4);
    let e = &errors[0];
    assert_eq!(e["line"], 1);
    assert_eq!(e["id"], "u-1");
    assert_eq!(e["field"], "risk_factor");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("unknown risk factor")
    );
    // Human output names file, line, id and field.
    let out = assurai(&["validate", s(&bad("duplicate_id.jsonl"))]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("duplicate_id.jsonl:3: error: id `d-1`, field `id`: duplicate id"),
        "{text}"
    );
}

#[test]
fn validate_syntax_error_has_a_column_and_empty_is_invalid() {
    let out = assurai(&["validate", "--json", s(&bad("truncated.jsonl"))]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["errors"][0]["line"], 2);
    assert!(v["errors"][0]["column"].as_u64().unwrap() > 1);
    let out = assurai(&["validate", "--json", s(&bad("empty.jsonl"))]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["errors"][0]["line"], serde_json::Value::Null);
}

#[test]
fn validate_unreadable_exits_1_and_bad_usage_exits_2() {
    // An unreadable file is invalid input (1), like an invalid one; 2 is for usage errors.
    let out = assurai(&["validate", s(&bad("no-such-file.jsonl"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.jsonl"));
    let out = assurai(&["dataset", "stats", s(&bad("no-such-file.jsonl"))]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.jsonl"));
    let out = assurai(&["validate", "--format", "xml", s(&sample())]);
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.json");
    std::fs::write(&map, r#"{"fields": {"bogus": "x"}}"#).unwrap();
    let out = assurai(&["validate", "--map", s(&map), s(&sample())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a schema field"));
    let out = assurai(&["dataset", "sample", "--shard", "5/2", s(&sample())]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_with_a_field_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("foreign.jsonl");
    std::fs::write(
        &data,
        "{\"q\": \"질문입니다\", \"cat\": \"사기\", \"kind\": \"질문형\"}\n{\"q\": \"두 번째 질문\", \"cat\": 21, \"kind\": \"Q Only\"}\n",
    )
    .unwrap();
    let map = dir.path().join("map.json");
    std::fs::write(
        &map,
        r#"{"fields": {"id": "$line", "prompt": "q", "risk_factor": "cat", "prompt_type": "kind"}}"#,
    )
    .unwrap();
    let out = assurai(&["validate", "--json", "--map", s(&map), s(&data)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(json(&out)["distribution"]["by_factor"]["fraud"]["total"], 2);
}

#[test]
fn stats_compares_with_the_paper() {
    let out = assurai(&["dataset", "stats", "--json", s(&sample())]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["instances"], 39);
    let f = &v["by_factor"][4];
    assert_eq!(f["key"], "weapon_usage_and_development");
    assert_eq!(f["paper_count"], 150);
    assert_eq!(f["cells"].as_array().unwrap().len(), 4);
    assert_eq!(v["by_prompt_type"].as_array().unwrap().len(), 8);
    assert_eq!(v["by_prompt_type"][1]["paper_count"], 3751);
    assert_eq!(v["by_category"].as_array().unwrap().len(), 6);
    assert_eq!(v["by_modality"][0]["paper_count"], 9560);
    let out = assurai(&["dataset", "stats", s(&sample())]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Weapon Usage & Development"), "{text}");
    assert!(text.contains("Prompt types (paper Table 4)"), "{text}");
}

#[test]
fn sample_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let out_a = dir.path().join("a.jsonl");
    let run = |args: &[&str]| {
        let o = assurai(args);
        assert_exit(&o, 0);
        o
    };
    run(&[
        "dataset",
        "sample",
        "--seed",
        "3",
        "--limit",
        "10",
        "--allocation",
        "equal",
        "-o",
        s(&out_a),
        s(&sample()),
    ]);
    let a = std::fs::read_to_string(&out_a).unwrap();
    assert_eq!(a.lines().count(), 10);
    let again = run(&[
        "dataset",
        "sample",
        "--seed",
        "3",
        "--limit",
        "10",
        "--allocation",
        "equal",
        s(&sample()),
    ]);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), a);
    // Shards cover the dataset without overlap.
    let mut ids = std::collections::BTreeSet::new();
    let mut n = 0;
    for k in 0..3 {
        let o = run(&[
            "dataset",
            "sample",
            "--shard",
            &format!("{k}/3"),
            s(&sample()),
        ]);
        for line in String::from_utf8(o.stdout).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            ids.insert(v["id"].as_str().unwrap().to_owned());
            n += 1;
        }
    }
    assert_eq!((n, ids.len()), (39, 39));
    // The output is itself a valid dataset in the canonical form.
    let copy = root()
        .join("examples/sample")
        .join(format!("tmp-{}.jsonl", std::process::id()));
    std::fs::write(&copy, &a).unwrap();
    let v = assurai(&["validate", s(&copy)]);
    std::fs::remove_file(&copy).unwrap();
    assert_eq!(v.status.code(), Some(0));
}

#[test]
fn export_inspect() {
    let out = assurai(&["dataset", "export-inspect", s(&sample())]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 39);
    let mc = lines.iter().find(|l| l["id"] == "sample-021").unwrap();
    assert_eq!(mc["target"], serde_json::json!(["B", "D"]));
    assert_eq!(mc["choices"].as_array().unwrap().len(), 4);
    let turns = lines.iter().find(|l| l["id"] == "sample-003").unwrap();
    assert_eq!(turns["input"][2]["role"], "user");
    let out = assurai(&["dataset", "export-inspect", s(&bad("unknown_factor.jsonl"))]);
    assert_eq!(out.status.code(), Some(1));
}
