//! Calibration against reference values computed independently with numpy/scipy
//! (`tests/data/calibration_reference.py` → `calibration_reference.json`).
#![allow(clippy::unwrap_used)]

use assurai_judge::{
    Aggregation, Calibrator, EnsembleJudge, Judge, JudgeError, JudgeInput, JudgedOutput,
    SafetyScore, UnscoredReason, Verdict, async_trait, ensemble_agreement,
};
use assurai_taxonomy::{PromptType, RiskFactor};
use serde_json::Value;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn matches_scipy_reference() {
    let mut c = Calibrator::new();
    for (i, line) in include_str!("data/calibration_pairs.csv")
        .lines()
        .skip(1)
        .enumerate()
    {
        let f: Vec<&str> = line.split(',').collect();
        let human: f64 = f[1]
            .parse()
            .unwrap_or_else(|e| panic!("line {}: {e}", i + 2));
        let verdict = if f[2].is_empty() {
            let reason = match f[3] {
                "parse_failure" => UnscoredReason::ParseFailure { detail: "x".into() },
                _ => UnscoredReason::Ambiguous { detail: "x".into() },
            };
            Verdict::unscored("j", reason)
        } else {
            Verdict::scored("j", f[2].parse::<SafetyScore>().unwrap())
        };
        c.add(human, &verdict).unwrap();
    }
    let cal = c.finish();
    let want: Value =
        serde_json::from_str(include_str!("data/calibration_reference.json")).unwrap();
    assert_eq!(cal.n as u64, want["n"].as_u64().unwrap());
    assert_eq!(cal.n_unscored as u64, want["n_unscored"].as_u64().unwrap());
    assert_eq!(cal.unscored_reasons["parse_failure"], 2);
    assert_eq!(cal.unscored_reasons["ambiguous"], 1);
    for (got, key) in [
        (cal.weighted_kappa, "weighted_kappa"),
        (cal.spearman_rho, "spearman_rho"),
        (cal.mae, "mae"),
        (cal.exact_agreement, "exact_agreement"),
        (cal.within_one, "within_one"),
    ] {
        let w = want[key].as_f64().unwrap();
        assert!(close(got.unwrap(), w), "{key}: {got:?} vs {w}");
    }
    let p = want["spearman_p"].as_f64().unwrap();
    assert!(
        (cal.spearman_p.unwrap() - p).abs() <= 1e-9 * p,
        "{:?} vs {p}",
        cal.spearman_p
    );
    let conf: Vec<Vec<u32>> = serde_json::from_value(want["confusion"].clone()).unwrap();
    for (r, row) in conf.iter().enumerate() {
        assert_eq!(cal.confusion[r].to_vec(), *row, "row {}", r + 1);
    }
    // The JSON form carries every field.
    let json = serde_json::to_value(&cal).unwrap();
    for key in [
        "n",
        "n_unscored",
        "unscored_reasons",
        "weighted_kappa",
        "spearman_rho",
        "mae",
        "confusion",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn degenerate_and_bad_input() {
    let mut c = Calibrator::new();
    assert!(
        c.add(0.5, &Verdict::scored("j", SafetyScore::SAFE))
            .is_err()
    );
    assert!(
        c.add(f64::NAN, &Verdict::scored("j", SafetyScore::SAFE))
            .is_err()
    );
    let empty = c.finish();
    assert_eq!(empty.n, 0);
    assert_eq!(empty.weighted_kappa, None);
    assert_eq!(empty.mae, None);
    c.add(3.0, &Verdict::scored("j", SafetyScore::NEUTRAL))
        .unwrap();
    c.add(3.0, &Verdict::scored("j", SafetyScore::NEUTRAL))
        .unwrap();
    c.add(3.0, &Verdict::scored("j", SafetyScore::NEUTRAL))
        .unwrap();
    let constant = c.finish();
    assert_eq!(constant.weighted_kappa, None);
    assert_eq!(constant.spearman_rho, None);
    assert_eq!(constant.mae, Some(0.0));
}

struct Fixed(&'static str, [u8; 4]);

#[async_trait]
impl Judge for Fixed {
    fn id(&self) -> &str {
        self.0
    }
    async fn judge(&self, input: &JudgeInput) -> Result<Verdict, JudgeError> {
        let i: usize = input.instance_id.parse().unwrap();
        Ok(Verdict::scored(
            self.0,
            SafetyScore::new(self.1[i]).unwrap(),
        ))
    }
}

/// The ensemble's verdicts on instances `0` to `3`.
async fn judge_four(e: &EnsembleJudge) -> Vec<assurai_judge::EnsembleVerdict> {
    let mut items = Vec::new();
    for i in 0..4 {
        let input = JudgeInput::new(
            i.to_string(),
            RiskFactor::Fraud,
            PromptType::QOnly,
            JudgedOutput::text("x"),
        );
        items.push(e.judge_all(&input).await.unwrap());
    }
    items
}

#[tokio::test]
async fn ensemble_agreement_is_krippendorff_ordinal() {
    let e = EnsembleJudge::new(Aggregation::Median)
        .member(Fixed("a", [1, 2, 4, 5]))
        .member(Fixed("b", [1, 2, 4, 5]));
    let items = judge_four(&e).await;
    // Perfect agreement.
    assert!((ensemble_agreement(&items).unwrap() - 1.0).abs() < 1e-12);

    let e = EnsembleJudge::new(Aggregation::Median)
        .member(Fixed("a", [1, 2, 4, 5]))
        .member(Fixed("b", [5, 4, 2, 1]));
    let items = judge_four(&e).await;
    // Opposite rankings: systematic disagreement, α < 0.
    assert!(ensemble_agreement(&items).unwrap() < 0.0);
    assert!(items.iter().all(|v| v.disagreement));
    assert!(ensemble_agreement(&[]).is_err());
}
