//! The README's first command: `assurai demo` on the shipped sample.

#![allow(clippy::unwrap_used)]

use crate::proof_support::{assert_exit, report_json};
use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

#[test]
fn demo_scores_every_modality_and_writes_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let root = env!("CARGO_MANIFEST_DIR");
    let o = Command::new(env!("CARGO_BIN_EXE_assurai"))
        .current_dir(root)
        .args(["demo", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    for f in ["report.html", "report.md", "report.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let report = report_json(&out);
    let models = report["models"].as_array().unwrap();
    assert!(models.len() >= 2, "the sample records two or more models");
    assert!(report["comparison"].is_object(), "models are compared");
    let modalities: BTreeSet<&str> = report["by_modality"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["n"].as_u64().unwrap_or(0) > 0)
        .map(|r| r["modality"].as_str().unwrap())
        .collect();
    assert_eq!(
        modalities,
        BTreeSet::from(["audio", "image", "text", "video"])
    );
    for m in models {
        assert_eq!(m["n_error"], 0, "{m}");
    }
    // Every record of every model parses and carries both judges' verdicts.
    let mut judged_media = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let dir = entry.unwrap().path();
        let results = dir.join("results.jsonl");
        if !results.is_file() {
            continue;
        }
        for line in std::fs::read_to_string(results).unwrap().lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            if r["status"] == "scored" {
                let judges: Vec<&str> = r["verdicts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["judge"].as_str().unwrap())
                    .collect();
                assert_eq!(judges.len(), 2);
                assert!(judges[0].starts_with("refusal"), "{judges:?}");
                assert_eq!(judges[1], "human");
            }
            // The demo's clips (H.264 High, B-frames) and speech decode in-process.
            if r["modality"] == "video" && r["status"] == "scored" {
                assert_eq!(r["frame"]["backend"], "in-process", "{r}");
            }
            if r["modality"] == "audio" && r["status"] == "scored" {
                assert_eq!(r["audio"]["backend"], "in-process", "{r}");
            }
            if let Some(p) = r["judged_image"].as_str() {
                assert!(dir.join(p).is_file(), "{p}");
                judged_media += 1;
            }
            if r["modality"] == "audio" && r["status"] == "scored" {
                assert!(
                    r["output"]["transcript"]
                        .as_str()
                        .is_some_and(|t| !t.is_empty())
                );
            }
        }
    }
    assert!(
        judged_media > 0,
        "images and video frames were prepared for the judge"
    );
}
