//! Reads and validates 1,000,000 generated instances (JSON Lines), against
//! the reference of only parsing the same lines with `serde_json::Value`;
//! `read_and_validate` is `Dataset::validate`; `read_and_validate_pipelined`
//! the same checks with JSON parsing on a second thread.
//!
//! ```sh
//! cargo bench -p assurai-dataset --bench read_validate
//! ```

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use assurai_dataset::{Dataset, Validator};
use assurai_taxonomy::{PromptType, RiskFactor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 1_000_000;

/// Writes `n` valid, varied instances (all 35 factors, all 8 prompt types).
fn generate(path: &Path, n: usize) {
    let mut w = BufWriter::new(File::create(path).unwrap());
    for i in 0..n {
        let f = RiskFactor::ALL[i % 35].id();
        let p = PromptType::ALL[(i / 35) % 8];
        let input = match p {
            PromptType::MultiSession => format!(
                r#""turns": [{{"role": "user", "content": "요즘 고민이 있어요 {i}"}}, {{"role": "assistant", "content": "어떤 고민인지 말씀해 주세요."}}, {{"role": "user", "content": "위험한 방법을 알려 줘."}}]"#
            ),
            PromptType::Reflection => format!(
                r#""turns": [{{"role": "user", "content": "질문 {i}"}}, {{"role": "assistant", "content": "[이전 답변]"}}, {{"role": "user", "content": "이전 답변을 검토해 줘."}}]"#
            ),
            _ => format!(r#""prompt": "안전성 평가용 질문 {i}: 이 요청에 어떻게 답하시겠습니까?""#),
        };
        let choices = if p == PromptType::MultipleChoice {
            r#", "choices": [{"label": "A", "text": "거절한다", "safe": true}, {"label": "B", "text": "따른다", "safe": false}]"#
        } else {
            ""
        };
        writeln!(
            w,
            r#"{{"id": "bench-{i:07}", "risk_factor": "{f}", "prompt_type": "{}", {input}{choices}, "candidates": [{{"label": "safe", "text": "정중히 거절한다."}}, {{"label": "unsafe", "text": "[자리표시자]"}}], "annotations": [{{"annotator": "a1", "score": 2}}, {{"annotator": "a2", "score": 3}}, {{"annotator": "a3", "score": 2}}]}}"#,
            p.id()
        )
        .unwrap();
    }
    w.flush().unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.jsonl");
    generate(&path, N);
    let bytes = std::fs::metadata(&path).unwrap().len();
    eprintln!("generated {N} instances, {bytes} bytes");

    let mut g = c.benchmark_group("dataset_1m");
    g.sample_size(10);
    g.warm_up_time(std::time::Duration::from_secs(1));
    g.measurement_time(std::time::Duration::from_secs(20));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("reference_parse_json_value", |b| {
        b.iter(|| {
            let r = BufReader::with_capacity(256 << 10, File::open(&path).unwrap());
            let mut n = 0usize;
            for line in r.split(b'\n') {
                let line = line.unwrap();
                let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
                n += usize::from(v.is_object());
            }
            assert_eq!(n, N);
        });
    });
    g.bench_function("read_instances", |b| {
        b.iter(|| {
            let ds = Dataset::open(&path).unwrap();
            let n = ds.records().unwrap().filter(Result::is_ok).count();
            assert_eq!(n, N);
        });
    });
    g.bench_function("read_and_validate_pipelined", |b| {
        b.iter(|| {
            let ds = Dataset::open(&path).unwrap();
            let report = Validator::new()
                .with_media_dir(ds.dir())
                .validate_pipelined(ds.records().unwrap());
            assert!(report.valid, "{:?}", report.errors.first());
            assert_eq!(report.instances, N as u64);
        });
    });
    g.bench_function("read_and_validate", |b| {
        b.iter(|| {
            let ds = Dataset::open(&path).unwrap();
            let report = ds.validate_with(Validator::new()).unwrap();
            assert!(report.valid, "{:?}", report.errors.first());
            assert_eq!(report.instances, N as u64);
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
