//! The AssurAI release importer on a synthetic release in the documented
//! layout: `assurai_index.jsonl` beside `Risk_NN/<modality>/<id>-0N.<ext>`.

use std::path::PathBuf;

use assurai_dataset::{
    Dataset, MediaKind, PromptTypeCodes, RELEASE_ANNOTATOR, release_candidate_model,
};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};

fn release_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/release")
}

#[test]
fn the_folder_or_its_index_reads_as_instances_with_human_scored_candidates() {
    for path in [release_dir(), release_dir().join("assurai_index.jsonl")] {
        let ds = Dataset::open_release(&path).unwrap();
        let report = ds.validate().unwrap();
        assert!(report.valid, "{:#?}", report.errors);
        assert_eq!(report.instances, 4);
        let v: Vec<_> = ds.records().unwrap().map(|r| r.unwrap().instance).collect();
        // Text item: four candidates for the judge and four recorded, scored responses.
        let t = &v[0];
        assert_eq!(t.id, "r21_t001_pQO_001");
        assert_eq!(
            (t.risk_factor, t.prompt_type, t.modality),
            (RiskFactor::Fraud, PromptType::QOnly, Modality::Text)
        );
        let labels: Vec<&str> = t.candidates.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["safe", "unsafe", "borderline", "unsafe"]);
        assert_eq!(t.responses.len(), 4);
        assert_eq!(t.responses[1].model, release_candidate_model(2));
        assert_eq!(
            t.responses[1].output.text.as_deref(),
            Some("요청대로 비밀번호를 알려 주세요.")
        );
        assert_eq!(t.responses[1].scores[0].score, 1);
        assert_eq!(t.responses[1].scores[0].annotator, RELEASE_ANNOTATOR);
        let meta = t.metadata.as_ref().unwrap();
        assert_eq!(meta["source_model"], "kept-in-metadata");
        assert_eq!(meta["risk"], "R21: Fraud");
        // Audio item: outputs found beside the item, through the path guard.
        let a = &v[1];
        assert_eq!(
            (a.modality, a.prompt_type),
            (Modality::Audio, PromptType::ChainOfThought)
        );
        assert_eq!(a.risk_factor, RiskFactor::ViolentActs);
        assert!(a.candidates.is_empty());
        let media: Vec<&str> = a
            .responses
            .iter()
            .map(|r| r.output.media.as_ref().unwrap().path.as_str())
            .collect();
        assert_eq!(media[0], "Risk_03/audio/r03_a001_pCT_001-01.wav");
        assert_eq!(media.len(), 4);
        assert_eq!(
            a.responses[0].output.media.as_ref().unwrap().kind,
            MediaKind::Audio
        );
        for (_, m) in a.media_refs() {
            ds.resolve_media(&m.path).unwrap();
        }
        // Image item: modality from the id letter, paths given in the index, Korean risk name.
        let i = &v[2];
        assert_eq!(
            (i.modality, i.prompt_type),
            (Modality::Image, PromptType::RolePlaying)
        );
        assert_eq!(i.responses.len(), 2);
        assert_eq!(i.responses[1].scores[0].score, 4);
        // R08 named `Harassment`: a warning naming both.
        let w = report
            .warnings
            .iter()
            .find(|w| w.field.as_deref() == Some("risk"))
            .unwrap();
        assert_eq!(w.line, Some(4));
        assert!(
            w.message.contains("Harassment") && w.message.contains("Hate Speech"),
            "{}",
            w.message
        );
        assert_eq!(v[3].risk_factor, RiskFactor::HateSpeech);
    }
}

fn write_release(lines: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("assurai_index.jsonl"), lines.join("\n")).unwrap();
    dir
}

#[test]
fn unknown_prompt_type_codes_are_listed_once_each_with_counts() {
    let mut lines = Vec::new();
    for i in 0..50 {
        lines.push(format!(
            r#"{{"id": "r21_t{i:03}_pZZ_001", "modality": "text", "input_prompt": "질문", "candidate_1_answer": "답", "ref_output_risk_score": [5]}}"#
        ));
    }
    lines.push(r#"{"id": "r21_t900_pYY_001", "input_prompt": "질문"}"#.to_owned());
    lines.push(r#"{"id": "r21_t901_pQO_001", "input_prompt": "질문"}"#.to_owned());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let dir = write_release(&refs);
    let report = Dataset::open_release(dir.path())
        .unwrap()
        .validate()
        .unwrap();
    assert!(!report.valid);
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    let m = &report.errors[0].message;
    assert!(m.contains("`YY` ×1 (first on line 51)"), "{m}");
    assert!(m.contains("`ZZ` ×50 (first on line 1)"), "{m}");
    assert!(m.contains("--prompt-type-codes"), "{m}");
    // A user table fixes it.
    let codes =
        PromptTypeCodes::from_json(r#"{"ZZ": "q_only", "YY": "rail", "QO": "q_only"}"#).unwrap();
    let report = Dataset::open_release(dir.path())
        .unwrap()
        .with_prompt_type_codes(codes)
        .validate()
        .unwrap();
    assert!(report.valid, "{:#?}", report.errors);
    assert_eq!(report.instances, 52);
}

#[test]
fn bad_release_records_name_line_field_and_value() {
    let dir = write_release(&[
        r#"{"id": "r99_t001_pQO_001", "input_prompt": "질문"}"#,
        r#"{"id": "r01_t001_pQO_002", "risk": "Fraud", "input_prompt": "질문"}"#,
        r#"{"id": "r01_t001_pQO_003", "input_prompt": "질문", "ref_output_risk_score": [7]}"#,
        r#"{"id": "r03_a001_pQO_004", "input_prompt": "질문", "ref_output_risk_score": [3]}"#,
        r#"{"id": "r01_t001_pQO_005", "input_prompt": "질문", "candidate_1_answer": "../../etc/passwd.png", "modality": "image", "ref_output_risk_score": [3]}"#,
        r#"{"id": "x", "input_prompt": "질문"}"#,
    ]);
    let report = Dataset::open_release(dir.path())
        .unwrap()
        .validate()
        .unwrap();
    let found = crate::support::error_places(&report);
    assert_eq!(
        found,
        [
            (Some(1), Some("id")),
            (Some(2), Some("risk")),
            (Some(3), Some("ref_output_risk_score[0]")),
            (Some(4), Some("candidate_1_answer")),
            (Some(5), Some("responses[0].output.media")),
            (Some(6), Some("id")),
            (Some(6), Some("modality")),
            (Some(6), Some("id")),
        ],
        "{:#?}",
        report.errors
    );
    assert!(report.errors[1].message.contains("`Fraud`"));
    assert!(report.errors[2].message.contains("`7`"));
    assert!(
        report.errors[3]
            .message
            .contains("Risk_03/audio/r03_a001_pQO_004-01.<ext>")
    );
}

#[test]
fn a_folder_without_the_index_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = Dataset::open_release(dir.path()).unwrap_err().to_string();
    assert!(e.contains("assurai_index.jsonl"), "{e}");
}
