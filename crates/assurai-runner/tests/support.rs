//! Scaffolding shared by the runner tests: a dataset file, a fresh result store, one run of
//! every instance of a dataset, the records a run wrote, and a WAV tone.

use std::path::Path;
use std::sync::Arc;

use assurai_dataset::Dataset;
use assurai_eval::{Manifest, Record, RecordReader, ResultStore, ResumeState, StoreOptions};
use assurai_runner::{CancelToken, RunSummary, Runner};

/// Writes `lines` (JSON instances) to `dir/data.jsonl` and opens it.
pub fn dataset(dir: &Path, lines: &[&str]) -> Arc<Dataset> {
    let path = dir.join("data.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    Arc::new(Dataset::open(&path).unwrap())
}

/// A new result store in `out` for a run of `target`, and its (empty) resume state.
pub fn store(out: &Path, target: &str) -> (Arc<ResultStore>, ResumeState) {
    let manifest = Manifest::new(serde_json::json!({ "target": target }));
    let (store, resume) = ResultStore::open(out, &manifest, StoreOptions::default()).unwrap();
    (Arc::new(store), resume)
}

/// Runs every instance of `dataset` through `runner` on a multi-thread runtime.
pub fn run_all(runner: &Runner, dataset: &Dataset, resume: &ResumeState) -> RunSummary {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let total = dataset.records().unwrap().count() as u64;
    rt.block_on(runner.run(
        dataset.records().unwrap().map(|r| r.map(|r| r.instance)),
        resume,
        Some(total),
        &CancelToken::new(),
        &mut |_| {},
    ))
    .unwrap()
}

/// Every record of the run in `out`, in file order.
pub fn records(out: &Path) -> Vec<Record> {
    RecordReader::open(&out.join("results.jsonl"))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A 16-bit mono PCM WAV: a 440 Hz tone, or silence.
pub fn wav(seconds: f64, loud: bool) -> Vec<u8> {
    let rate = 16_000u32;
    let n = (f64::from(rate) * seconds) as u32;
    let mut out = Vec::new();
    out.extend(b"RIFF");
    out.extend((36 + n * 2).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(rate.to_le_bytes());
    out.extend((rate * 2).to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(b"data");
    out.extend((n * 2).to_le_bytes());
    for i in 0..n {
        let v = if loud {
            ((f64::from(i) * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 12_000.0)
                as i16
        } else {
            0
        };
        out.extend(v.to_le_bytes());
    }
    out
}
