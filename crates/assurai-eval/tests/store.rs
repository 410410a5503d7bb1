//! Result store: append, read, resume, torn-line repair, dedupe, config
//! mismatch, concurrent appends and a SIGKILL crash test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use assurai_eval::{
    EvalError, Manifest, RESULTS_FILE, Record, RecordReader, ResultStore, Status, StoreOptions,
    TORN_FILE,
};
use assurai_taxonomy::RiskFactor;

use crate::support::q_only_text;

fn manifest() -> Manifest {
    Manifest::new(
        serde_json::json!({"target": "replay:outputs.jsonl", "judges": ["refusal"], "epochs": 1}),
    )
}

fn record(id: &str, model: &str, score: Option<u8>) -> Record {
    let mut r = q_only_text(id, model, 1, RiskFactor::Harassment);
    match score {
        Some(s) => r.set_scored(s),
        None => r.set_error("timeout", "target timed out after 30 s"),
    }
    r.attempts = 1;
    r
}

fn read_all(dir: &Path) -> Vec<Record> {
    RecordReader::open(&dir.join(RESULTS_FILE))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[test]
fn append_then_read_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (store, resume) =
        ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    assert_eq!(resume.records_read(), 0);
    let mut a = record("a", "m", Some(3));
    a.output.text = Some("line1\nline2 \"quoted\" 한국어".into());
    a.human_scores = vec![3, 4];
    store.append(&a).unwrap();
    store.append(&record("b", "m", None)).unwrap();
    assert_eq!(store.appended(), 2);
    drop(store);
    let got = read_all(dir.path());
    assert_eq!(got, vec![a, record("b", "m", None)]);
    assert!(dir.path().join("manifest.json").exists());
    let m = Manifest::read(dir.path()).unwrap().unwrap();
    assert_eq!(m, manifest());
}

#[test]
fn unknown_fields_survive_read_modify_write() {
    let line = r#"{"instance_id":"x","model":"m","epoch":1,"status":"scored","score":2,"risk_factor":"harassment","category":"interpersonal_harm","prompt_type":"q_only","modality":"text","output":{"text":"t","media_path":null,"transcript":null,"seed":7},"verdicts":[{"judge":"refusal","score":2,"rationale":"r","logprobs":[0.1]}],"attempts":1,"error":null,"future_field":{"a":[1,2]}}"#;
    let mut r: Record = serde_json::from_str(line).unwrap();
    r.validate().unwrap();
    assert_eq!(r.schema_version, 1);
    r.attempts = 2;
    let back: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(back["future_field"], serde_json::json!({"a": [1, 2]}));
    assert_eq!(back["output"]["seed"], 7);
    assert_eq!(back["verdicts"][0]["logprobs"], serde_json::json!([0.1]));
    assert_eq!(back["attempts"], 2);
}

#[test]
fn contract_violations_are_rejected_with_the_field() {
    let base = serde_json::to_value(record("x", "m", Some(3))).unwrap();
    let cases: &[(&str, serde_json::Value, &str)] = &[
        ("score", serde_json::Value::Null, "score"),
        ("score", serde_json::json!(6), "score"),
        ("status", serde_json::json!("blocked"), "score"),
        ("epoch", serde_json::json!(0), "epoch"),
        (
            "category",
            serde_json::json!("sensitive_and_adult_content"),
            "category",
        ),
        ("human_scores", serde_json::json!([0]), "human_scores"),
        ("schema_version", serde_json::json!(99), "schema_version"),
        (
            "error",
            serde_json::json!({"kind": "x", "message": "y"}),
            "error",
        ),
    ];
    for (key, value, field) in cases {
        let mut v = base.clone();
        v[*key] = value.clone();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RESULTS_FILE);
        let good = serde_json::to_string(&base).unwrap();
        fs::write(&path, format!("{good}\n{v}\n")).unwrap();
        let mut reader = RecordReader::open(&path).unwrap();
        reader.next().unwrap().unwrap();
        let err = reader.next().unwrap().unwrap_err();
        match err {
            EvalError::InvalidRecord { line, field: f, .. } => {
                assert_eq!(line, 2);
                assert_eq!(&f, field, "case {key}={value}");
            }
            other => panic!("unexpected {other}"),
        }
        assert!(reader.next().is_none());
    }
    // A missing field is named too.
    let mut v = base.clone();
    v.as_object_mut().unwrap().remove("model");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(RESULTS_FILE);
    fs::write(&path, format!("{v}\n")).unwrap();
    let err = RecordReader::open(&path)
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&err, EvalError::InvalidRecord { field, .. } if field == "model"),
        "{err}"
    );
}

#[test]
fn torn_last_line_is_cut_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    store.append(&record("a", "m", Some(5))).unwrap();
    drop(store);
    let path = dir.path().join(RESULTS_FILE);
    let good_len = fs::metadata(&path).unwrap().len();
    let fragment = br#"{"instance_id":"b","model":"m","epoch":1,"status":"sco"#;
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(fragment)
        .unwrap();

    // Reading before repair skips the torn line.
    let mut reader = RecordReader::open(&path).unwrap();
    assert_eq!(reader.by_ref().count(), 1);
    assert_eq!(reader.stats().torn_lines, 1);

    let (store, resume) =
        ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    let torn = resume.torn().expect("torn line reported");
    assert_eq!(torn.offset, good_len);
    assert_eq!(torn.len, fragment.len() as u64);
    assert_eq!(fs::metadata(&path).unwrap().len(), good_len);
    let kept = fs::read(dir.path().join(TORN_FILE)).unwrap();
    assert_eq!(&kept[..fragment.len()], fragment);
    assert!(resume.should_run("b", "m", 1, false));
    assert!(!resume.should_run("a", "m", 1, false));
    store.append(&record("b", "m", Some(4))).unwrap();
    drop(store);
    assert_eq!(read_all(dir.path()).len(), 2);
}

#[test]
fn whole_record_missing_its_newline_is_completed() {
    let dir = tempfile::tempdir().unwrap();
    ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    let path = dir.path().join(RESULTS_FILE);
    let line = serde_json::to_string(&record("a", "m", Some(2))).unwrap();
    fs::write(&path, &line).unwrap();
    let (store, resume) =
        ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    assert_eq!(resume.torn().unwrap().saved_to, None);
    assert!(!resume.should_run("a", "m", 1, true));
    store.append(&record("b", "m", Some(4))).unwrap();
    drop(store);
    assert_eq!(read_all(dir.path()).len(), 2);
    assert!(!dir.path().join(TORN_FILE).exists());
}

#[test]
fn corrupt_middle_line_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    let path = dir.path().join(RESULTS_FILE);
    let good = serde_json::to_string(&record("a", "m", Some(2))).unwrap();
    fs::write(&path, format!("{good}\n{{oops\n{good}\n")).unwrap();
    let err = ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, EvalError::CorruptStore { .. }), "{msg}");
    assert!(msg.contains("line 2"), "{msg}");
}

#[test]
fn duplicates_resolve_last_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    store.append(&record("a", "m", None)).unwrap(); // errored …
    store.append(&record("a", "m", Some(5))).unwrap(); // … then retried
    store.append(&record("b", "m", Some(5))).unwrap();
    store.append(&record("b", "m", None)).unwrap(); // later error wins
    drop(store);
    let (_store, resume) =
        ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    assert_eq!(resume.records_read(), 4);
    assert_eq!(resume.duplicates(), 2);
    assert_eq!(resume.n_completed(), 1);
    assert_eq!(resume.n_errored(), 1);
    assert!(!resume.should_run("a", "m", 1, true));
    assert!(!resume.should_run("b", "m", 1, false));
    assert!(resume.should_run("b", "m", 1, true));
    let key = resume.errored().next().unwrap().clone();
    assert_eq!(key.instance_id, "b");
    assert_eq!(resume.status(&key), Some(Status::Error));
}

#[test]
fn different_configuration_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    let other = Manifest::new(
        serde_json::json!({"target": "replay:outputs.jsonl", "judges": ["human"], "epochs": 1}),
    );
    let err = ResultStore::open(dir.path(), &other, StoreOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, EvalError::ConfigMismatch { .. }));
    assert!(msg.contains("judges"), "{msg}");
    assert!(msg.contains("different run configuration"), "{msg}");
    // Same configuration with keys in another order is accepted.
    let same = Manifest::new(
        serde_json::json!({"epochs": 1, "judges": ["refusal"], "target": "replay:outputs.jsonl"}),
    );
    ResultStore::open(dir.path(), &same, StoreOptions::default()).unwrap();
    // A different dataset is a different configuration.
    let ds = manifest().with_dataset("d.jsonl", "00ff");
    let err = ResultStore::open(dir.path(), &ds, StoreOptions::default()).unwrap_err();
    assert!(err.to_string().contains("dataset_sha256"), "{err}");
}

#[test]
fn results_without_manifest_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let line = serde_json::to_string(&record("a", "m", Some(2))).unwrap();
    fs::write(dir.path().join(RESULTS_FILE), format!("{line}\n")).unwrap();
    let err = ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap_err();
    assert!(err.to_string().contains("manifest.json"), "{err}");
}

#[test]
fn invalid_records_are_not_appended() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = ResultStore::open(dir.path(), &manifest(), StoreOptions::default()).unwrap();
    let mut r = record("a", "m", Some(3));
    r.score = Some(9);
    assert!(store.append(&r).is_err());
    drop(store);
    assert!(read_all(dir.path()).is_empty());
}

#[test]
fn concurrent_appends_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = ResultStore::open(
        dir.path(),
        &manifest(),
        StoreOptions::default().fsync(false),
    )
    .unwrap();
    let store = Arc::new(store);
    let big = "가나다 <b>".repeat(2000);
    std::thread::scope(|s| {
        for t in 0..8 {
            let store = Arc::clone(&store);
            let big = big.clone();
            s.spawn(move || {
                for i in 0..200 {
                    let mut r = record(&format!("t{t}-{i}"), "m", Some(1 + (i % 5) as u8));
                    r.output.text = Some(big.clone());
                    store.append(&r).unwrap();
                }
            });
        }
    });
    let records = read_all(dir.path());
    assert_eq!(records.len(), 1600);
    let keys: HashSet<_> = records.iter().map(Record::key).collect();
    assert_eq!(keys.len(), 1600);
}

const CRASH_N: usize = 2000;

/// Child half of the SIGKILL test: appends records for keys 0..CRASH_N that
/// are not yet done, as fast as it can. Does nothing unless started by
/// `sigkill_mid_run_then_resume_loses_nothing_and_duplicates_nothing`.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var("ASSURAI_EVAL_CRASH_DIR") else {
        return;
    };
    let (store, resume) =
        ResultStore::open(Path::new(&dir), &manifest(), StoreOptions::default()).unwrap();
    let text = "x".repeat(8_000);
    for i in 0..CRASH_N {
        let id = format!("inst-{i:05}");
        if !resume.should_run(&id, "m", 1, true) {
            continue;
        }
        let mut r = record(&id, "m", Some(1 + (i % 5) as u8));
        r.output.text = Some(text.clone());
        store.append(&r).unwrap();
    }
}

#[test]
fn sigkill_mid_run_then_resume_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let path = dir.path().join(RESULTS_FILE);
    let spawn = || {
        std::process::Command::new(&exe)
            .args([
                "store::crash_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("ASSURAI_EVAL_CRASH_DIR", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut kills = 0;
    let mut finished = false;
    let mut round = 0u64;
    while kills < 10 && !finished {
        round += 1;
        let mut child = spawn();
        // Wait until the child has written something new, then kill it at a
        // varying moment.
        let before = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "child failed: {status}");
                finished = true;
                break;
            }
            if fs::metadata(&path).map(|m| m.len()).unwrap_or(0) > before {
                std::thread::sleep(Duration::from_millis((round * 13) % 40));
                child.kill().unwrap(); // SIGKILL on Unix
                child.wait().unwrap();
                kills += 1;
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "child made no progress"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        // Every line written so far parses, except possibly a torn last one.
        let mut reader = RecordReader::open(&path).unwrap();
        for r in reader.by_ref() {
            r.unwrap();
        }
        assert!(reader.stats().torn_lines <= 1);
    }
    assert!(finished || kills == 10);
    // Resume to completion.
    let status = spawn().wait().unwrap();
    assert!(status.success());
    let records = read_all(dir.path());
    let keys: HashSet<_> = records.iter().map(Record::key).collect();
    assert_eq!(keys.len(), records.len(), "duplicate records after resume");
    assert_eq!(records.len(), CRASH_N);
}
