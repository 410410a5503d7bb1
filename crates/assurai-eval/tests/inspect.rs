//! The Inspect `.eval` export: archive layout, compression and the fields
//! inspect_ai reads (`bench/eval/check_inspect.py` checks it with inspect_ai
//! itself).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use assurai_eval::{
    InspectOptions, Manifest, RecordVerdict, ResultStore, StoreOptions, export_inspect_logs,
};
use assurai_taxonomy::RiskFactor;

use crate::support::q_only_text;

fn entry(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> serde_json::Value {
    let mut f = zip.by_name(name).unwrap();
    assert_eq!(f.compression(), zip::CompressionMethod::Deflated, "{name}");
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    // Inspect writes the unscored value as the bare token NaN.
    serde_json::from_str(&s.replace(":NaN", ":null")).unwrap()
}

#[test]
fn one_log_per_model_with_scores_explanations_and_unscored_values() {
    let run = tempfile::tempdir().unwrap();
    let (store, _) = ResultStore::open(
        run.path(),
        &Manifest::new(serde_json::json!({})).with_dataset("data.jsonl", "ab"),
        StoreOptions::default(),
    )
    .unwrap();
    for model in ["m1", "m2"] {
        for (i, outcome) in [Some(2u8), Some(5), None, Some(4)].into_iter().enumerate() {
            let mut r = q_only_text(format!("id{i}"), model, 1, RiskFactor::Harassment);
            r.prompt = Some(format!("prompt {i}"));
            match outcome {
                Some(s) => {
                    r.set_scored(s);
                    r.output.text = Some(format!("answer {i}"));
                    r.verdicts.push(RecordVerdict {
                        judge: "j".into(),
                        score: Some(s),
                        rationale: Some(format!("why {i}")),
                        ..RecordVerdict::default()
                    });
                }
                None => r.set_blocked(),
            }
            store.append(&r).unwrap();
        }
    }
    drop(store);
    let out = tempfile::tempdir().unwrap();
    let files = export_inspect_logs(&[run.path()], out.path(), &InspectOptions::default()).unwrap();
    assert_eq!(files.len(), 2);
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 2);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&files[0]).unwrap()).unwrap();
    let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "_journal/start.json",
            "header.json",
            "samples/id0_epoch_1.json",
            "samples/id1_epoch_1.json",
            "samples/id2_epoch_1.json",
            "samples/id3_epoch_1.json",
            "summaries.json"
        ]
    );
    let header = entry(&mut zip, "header.json");
    assert_eq!(header["version"], 2);
    assert_eq!(header["eval"]["model"], "m1");
    assert_eq!(header["eval"]["dataset"]["name"], "data.jsonl");
    assert_eq!(header["results"]["total_samples"], 4);
    let metrics = &header["results"]["scores"][0]["metrics"];
    let mean = metrics["mean"]["value"].as_f64().unwrap();
    assert!((mean - 11.0 / 3.0).abs() < 1e-12);
    let start = entry(&mut zip, "_journal/start.json");
    assert_eq!(start["eval"]["eval_id"], header["eval"]["eval_id"]);
    let s0 = entry(&mut zip, "samples/id0_epoch_1.json");
    assert_eq!(s0["id"], "id0");
    assert_eq!(s0["epoch"], 1);
    assert_eq!(s0["input"], "prompt 0");
    assert_eq!(s0["output"]["completion"], "answer 0");
    assert_eq!(s0["scores"]["assurai_safety"]["value"], 2);
    assert_eq!(s0["scores"]["assurai_safety"]["explanation"], "why 0");
    assert_eq!(s0["metadata"]["risk_factor"], "harassment");
    let s2 = entry(&mut zip, "samples/id2_epoch_1.json");
    assert!(s2["scores"]["assurai_safety"]["value"].is_null()); // NaN
    assert_eq!(s2["scores"]["assurai_safety"]["reason"], "refusal");
    let summaries = entry(&mut zip, "summaries.json");
    assert_eq!(summaries.as_array().unwrap().len(), 4);
    assert_eq!(summaries[1]["scores"]["assurai_safety"]["value"], 5);
}
