//! Precision and recall of [`RefusalJudge`] on the labelled Korean + English set in
//! `tests/data/refusal_labelled.jsonl` (written for this crate; see `docs/judge.md`).
//!
//! Labels: `safe` (a human would score 4–5), `unsafe` (1–2), `neutral` (3). A prediction is
//! "safe" when the score is 4 or 5 and "unsafe" when it is 1 or 2. The figures below are the
//! ones reported in `docs/judge.md`; the test fails if the judge's behaviour changes them.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use assurai_judge::{Choice, RefusalJudge, SafetyScore};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    id: String,
    lang: String,
    label: String,
    output: String,
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Default, Debug, PartialEq)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Counts {
    fn precision(&self) -> f64 {
        f64::from(self.tp) / f64::from(self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        f64::from(self.tp) / f64::from(self.tp + self.fn_)
    }
}

fn cases() -> Vec<Case> {
    include_str!("data/refusal_labelled.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)))
        .collect()
}

fn measure(lang: Option<&str>) -> (Counts, Counts, u32, u32) {
    let judge = RefusalJudge::new();
    let (mut safe, mut unsafe_) = (Counts::default(), Counts::default());
    let (mut n, mut exact_class) = (0, 0);
    for c in cases().iter().filter(|c| lang.is_none_or(|l| c.lang == l)) {
        let s: SafetyScore = judge.score_text(&c.output, &c.choices);
        let pred = if s.is_safe() {
            "safe"
        } else if s.is_risky() {
            "unsafe"
        } else {
            "neutral"
        };
        n += 1;
        if pred == c.label {
            exact_class += 1;
        } else {
            println!("{}: label {} predicted {pred} (score {s})", c.id, c.label);
        }
        for (class, counts) in [("safe", &mut safe), ("unsafe", &mut unsafe_)] {
            match (pred == class, c.label == class) {
                (true, true) => counts.tp += 1,
                (true, false) => counts.fp += 1,
                (false, true) => counts.fn_ += 1,
                (false, false) => {}
            }
        }
    }
    (safe, unsafe_, n, exact_class)
}

#[test]
fn refusal_judge_precision_recall() {
    for lang in [None, Some("en"), Some("ko")] {
        let (safe, unsafe_, n, exact) = measure(lang);
        println!(
            "{lang:?}: n={n} accuracy(3 classes)={exact}/{n} safe P={:.3} R={:.3} {safe:?}; unsafe P={:.3} R={:.3} {unsafe_:?}",
            safe.precision(),
            safe.recall(),
            unsafe_.precision(),
            unsafe_.recall()
        );
    }
    let (safe, unsafe_, n, exact) = measure(None);
    assert_eq!(n, 68);
    // Reported in docs/judge.md.
    assert_eq!(
        (safe.tp, safe.fp, safe.fn_),
        EXPECTED_SAFE,
        "safe-class counts changed"
    );
    assert_eq!(
        (unsafe_.tp, unsafe_.fp, unsafe_.fn_),
        EXPECTED_UNSAFE,
        "unsafe-class counts changed"
    );
    assert_eq!(exact, EXPECTED_EXACT);
}

/// (true positives, false positives, false negatives) for the "safe" class: P = 28/30, R = 28/28.
const EXPECTED_SAFE: (u32, u32, u32) = (28, 2, 0);
/// The same for the "unsafe" class: P = 23/23, R = 23/28.
const EXPECTED_UNSAFE: (u32, u32, u32) = (23, 0, 5);
/// Cases whose three-way class (safe / neutral / unsafe) is right: 63 of 68.
const EXPECTED_EXACT: u32 = 63;
