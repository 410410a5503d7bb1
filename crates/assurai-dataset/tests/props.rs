//! Property tests: the readers never panic, canonical JSON round-trips,
//! shards partition, allocations add up.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use assurai_dataset::{
    Allocation, Annotation, Choice, Format, Input, Instance, Limits, Reader, Shard, Speaker,
    Stratum, Turn, Validator, allocate, parse_instance,
};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};
use proptest::prelude::*;

const VALID: &str = r#"{"id": "x-1", "risk_factor": "fraud", "prompt_type": "multiple_choice", "prompt": "고르세요", "choices": [{"label": "A", "text": "가", "safe": true}, {"text": "나"}], "annotations": [{"annotator": "a", "score": 3}], "responses": [{"model": "m", "output": {"text": "네"}, "scores": [{"annotator": "a", "score": 5}]}], "media": ["m/a.png"]}"#;

fn read_all(bytes: &[u8], format: Format) {
    let limits = Limits::default().max_record_bytes(4096);
    for r in Reader::with_options(bytes, format, None, limits) {
        if let Err(e) = r {
            assert!(!e.problems().is_empty());
            assert!(e.line().is_none_or(|l| l >= 1));
        }
    }
    let report = Validator::new().validate(Reader::with_options(bytes, format, None, limits));
    assert!(!report.valid || report.instances > 0);
    let piped =
        Validator::new().validate_pipelined(Reader::with_options(bytes, format, None, limits));
    assert_eq!(piped, report);
    for p in report.errors.iter().chain(&report.warnings) {
        let _ = p.to_string();
    }
}

fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut b = base.as_bytes().to_vec();
    for &(pos, op, byte) in edits {
        if b.is_empty() {
            b.push(byte);
            continue;
        }
        let i = pos % b.len();
        match op % 4 {
            0 => b[i] = byte,
            1 => {
                b.remove(i);
            }
            2 => b.insert(i, byte),
            _ => b.truncate(i),
        }
    }
    b
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[가-힣 ]{1,20}",
        "\\PC{1,20}",
        Just("질문 \"따옴표\" \\ 역슬래시\t탭".to_owned()),
    ]
}

fn instance() -> impl Strategy<Value = Instance> {
    (
        "[a-z0-9_-]{1,12}",
        0usize..35,
        0usize..8,
        0usize..4,
        prop_oneof![
            text().prop_map(Input::Prompt),
            prop::collection::vec(text(), 1..4).prop_map(|ts| {
                let n = ts.len();
                Input::Turns(
                    ts.into_iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let role = if (n - 1 - i) % 2 == 0 {
                                Speaker::User
                            } else {
                                Speaker::Assistant
                            };
                            Turn::text(role, t)
                        })
                        .collect(),
                )
            }),
        ],
        prop::collection::vec((text(), any::<bool>()), 0..4),
        prop::collection::vec(("[a-z]{1,5}", 1u8..=5), 0..4),
    )
        .prop_map(|(id, f, p, m, input, choices, anns)| {
            let mut i = Instance::new(id, RiskFactor::ALL[f], PromptType::ALL[p], input);
            i.modality = Modality::ALL[m];
            i.choices = choices
                .into_iter()
                .enumerate()
                .map(|(k, (t, s))| Choice::new(format!("L{k}"), t, s))
                .collect();
            i.annotations = anns
                .into_iter()
                .map(|(a, s)| Annotation::new(a, s))
                .collect();
            i
        })
}

#[test]
fn pipelined_validation_matches_over_many_batches() {
    let mut data = String::new();
    for i in 0..3000 {
        match i % 7 {
            0 => data.push_str("{\"id\": \"broken\n"),
            1 => data.push_str(&format!("{{\"id\": \"d{}\", \"risk_factor\": 21, \"prompt_type\": 2, \"prompt\": \"질문\"}}\n", i % 50)),
            _ => data.push_str(&format!("{{\"id\": \"i{i}\", \"risk_factor\": {}, \"prompt_type\": 2, \"prompt\": \"질문 {i}\"}}\n", i % 35 + 1)),
        }
    }
    let a = Validator::new().validate(Reader::new(data.as_bytes(), Format::JsonLines));
    let b = Validator::new().validate_pipelined(Reader::new(data.as_bytes(), Format::JsonLines));
    assert_eq!(a, b);
    assert!(a.errors.len() > 400);
    assert_eq!(a.instances, 3000);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for f in [Format::JsonLines, Format::JsonArray, Format::Csv] {
            read_all(&bytes, f);
        }
    }

    #[test]
    fn mutated_records_never_panic(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..8)) {
        let line = mutate(VALID, &edits);
        let mut jsonl = line.clone();
        jsonl.push(b'\n');
        jsonl.extend_from_slice(&line);
        read_all(&jsonl, Format::JsonLines);
        let mut arr = b"[".to_vec();
        arr.extend_from_slice(&line);
        arr.extend_from_slice(b",\n");
        arr.extend_from_slice(&line);
        arr.push(b']');
        read_all(&arr, Format::JsonArray);
    }

    #[test]
    fn canonical_json_round_trips(inst in instance()) {
        let text = serde_json::to_string(&inst).unwrap();
        prop_assert_eq!(parse_instance(&text).unwrap(), inst.clone());
        // Also inside a JSON array with pretty printing.
        let arr = serde_json::to_string_pretty(&vec![inst.clone(), inst.clone()]).unwrap();
        let back: Vec<Instance> = Reader::new(arr.as_bytes(), Format::JsonArray).map(|r| r.unwrap().instance).collect();
        prop_assert_eq!(back, vec![inst.clone(), inst]);
    }

    #[test]
    fn shards_partition(ids in prop::collection::vec("\\PC{0,16}", 1..50), n in 1u32..9) {
        for id in &ids {
            let owners = (0..n).filter(|k| Shard::new(*k, n).unwrap().contains(id)).count();
            prop_assert_eq!(owners, 1);
        }
    }

    #[test]
    fn allocation_adds_up(sizes in prop::collection::vec(1u64..50, 1..30), n in 0u64..400, seed: u64, equal: bool) {
        let strata: BTreeMap<Stratum, u64> = sizes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (Stratum {
                    risk_factor: RiskFactor::ALL[i % 35],
                    prompt_type: PromptType::ALL[i % 8],
                    modality: Modality::ALL[(i / 8) % 4],
                }, *s)
            })
            .collect();
        let total: u64 = strata.values().sum();
        let a = if equal { Allocation::Equal } else { Allocation::Proportional };
        let q = allocate(&strata, n, a, seed);
        prop_assert_eq!(q.values().sum::<u64>(), n.min(total));
        for (k, v) in &q {
            let size = strata[k];
            prop_assert!(*v <= size);
            if !equal && n < total {
                let exact = n as f64 * size as f64 / total as f64;
                prop_assert!((*v as f64 - exact).abs() < 1.0 + 1e-9);
            }
        }
        if equal && n < total {
            // Equal: no stratum with room gets 2+ fewer than another.
            let max = q.values().max().copied().unwrap_or(0);
            for (k, v) in &q {
                prop_assert!(*v == strata[k] || *v + 1 >= max);
            }
        }
    }
}
