//! Property tests: record round-trips, and torn-line repair at every
//! possible crash point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::fs;

use assurai_eval::{Manifest, RESULTS_FILE, Record, RecordReader, ResultStore, StoreOptions};
use assurai_taxonomy::{Modality, PromptType, RiskFactor};
use proptest::prelude::*;

fn arb_record() -> impl Strategy<Value = Record> {
    (
        "[a-z0-9가-힣<>&\"\\\\/ -]{1,12}",
        "[a-zA-Z0-9:@./-]{1,10}",
        1u32..4,
        0usize..35,
        0usize..8,
        0usize..4,
        0u8..9,
        proptest::option::of(".{0,40}"),
        proptest::collection::vec(1u8..=5, 0..4),
    )
        .prop_map(|(id, model, epoch, f, p, m, outcome, text, human)| {
            let mut r = Record::new(
                id,
                model,
                epoch,
                RiskFactor::ALL[f],
                PromptType::ALL[p],
                Modality::ALL[m],
            );
            match outcome {
                0 => r.set_blocked(),
                1 => r.set_unscored("no score"),
                2 => r.set_error("timeout", "slow"),
                s => r.set_scored(s.min(5)),
            }
            r.output.text = text;
            r.human_scores = human;
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn records_round_trip(r in arb_record()) {
        r.validate().unwrap();
        let line = serde_json::to_string(&r).unwrap();
        prop_assert!(!line.contains('\n'));
        let back: Record = serde_json::from_str(&line).unwrap();
        prop_assert_eq!(back, r);
    }

    #[test]
    fn any_crash_point_is_repaired(records in proptest::collection::vec(arb_record(), 1..8), cut in any::<prop::sample::Index>()) {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest::new(serde_json::json!({"p": 1}));
        let (store, _) = ResultStore::open(dir.path(), &manifest, StoreOptions::default()).unwrap();
        for r in &records {
            store.append(r).unwrap();
        }
        drop(store);
        let path = dir.path().join(RESULTS_FILE);
        let bytes = fs::read(&path).unwrap();
        let cut = cut.index(bytes.len() + 1);
        fs::write(&path, &bytes[..cut]).unwrap();
        // Resume repairs whatever the crash left.
        let (store, resume) = ResultStore::open(dir.path(), &manifest, StoreOptions::default()).unwrap();
        drop(store);
        let after = fs::read(&path).unwrap();
        prop_assert!(after.is_empty() || after.ends_with(b"\n"));
        let kept: Vec<Record> = RecordReader::open(&path).unwrap().collect::<Result<_, _>>().unwrap();
        // Every kept record is one that was written, in order, and whole.
        prop_assert!(kept.len() <= records.len());
        prop_assert_eq!(&kept[..], &records[..kept.len()]);
        // Exactly the records whose line was complete survive (plus a
        // last record that lost only its newline).
        let whole = bytes[..cut].iter().filter(|&&b| b == b'\n').count();
        prop_assert!(kept.len() == whole || kept.len() == whole + 1);
        let keys: HashSet<_> = kept.iter().map(Record::key).collect();
        for k in &keys {
            prop_assert!(resume.status(k).is_some());
        }
    }
}
