//! [`Calibration`]: how well a judge agrees with human annotators.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{JudgeError, SafetyScore, Verdict};

/// Judge-versus-human agreement over a set of outputs (the `assurai calibrate --json` contract).
///
/// Outputs the judge left unscored are excluded from every statistic and counted by reason.
/// The human score may be a mean of several annotators (any value in 1–5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Calibration {
    /// Pairs with a judge score (used in the statistics).
    pub n: usize,
    /// Outputs the judge left unscored.
    pub n_unscored: usize,
    /// Unscored outputs per reason (`parse_failure`, …).
    pub unscored_reasons: BTreeMap<String, usize>,
    /// Outputs not judged at all because the judge call failed (error records of a calibration
    /// run); excluded from every statistic, like unscored ones.
    #[serde(default)]
    pub n_errors: usize,
    /// Quadratic-weighted Cohen's κ between the judge and the rounded human score; `None` when
    /// undefined (fewer than 2 pairs, or both sides
    /// constant).
    pub weighted_kappa: Option<f64>,
    /// Spearman's ρ; `None` when undefined (fewer than 3 pairs, or a constant side).
    pub spearman_rho: Option<f64>,
    /// The two-sided p-value of ρ.
    pub spearman_p: Option<f64>,
    /// Mean absolute difference judge − human (`None` without pairs).
    pub mae: Option<f64>,
    /// Share of pairs where the judge equals the human score rounded to the nearest integer
    /// (halves down).
    pub exact_agreement: Option<f64>,
    /// Share of pairs within one point.
    pub within_one: Option<f64>,
    /// Counts with rows = human score (means rounded to the nearest integer, halves down) 1–5 and
    /// columns = judge score 1–5.
    pub confusion: [[u32; 5]; 5],
}

/// Collects (human, judge) pairs, then computes a [`Calibration`] with `assurai-stats`.
///
/// ```
/// use assurai_judge::{Calibrator, SafetyScore, UnscoredReason, Verdict};
/// let mut c = Calibrator::new();
/// for (human, judge) in [(5.0, 5), (4.0, 5), (1.0, 1), (2.0, 1), (3.0, 3)] {
///     c.add(human, &Verdict::scored("j", SafetyScore::new(judge).unwrap()))?;
/// }
/// c.add(4.0, &Verdict::unscored("j", UnscoredReason::ParseFailure { detail: "x".into() }))?;
/// let cal = c.finish();
/// assert_eq!((cal.n, cal.n_unscored), (5, 1));
/// assert_eq!(cal.confusion[4][4], 1); // human 5, judge 5
/// assert!(cal.weighted_kappa.unwrap() > 0.8);
/// # Ok::<(), assurai_judge::JudgeError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Calibrator {
    human: Vec<f64>,
    judge: Vec<f64>,
    unscored: BTreeMap<String, usize>,
}

impl Calibrator {
    /// An empty calibrator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one output: the human score (1–5, a mean is fine) and the judge's verdict.
    ///
    /// # Errors
    /// [`JudgeError::InvalidInput`] when the human score is not a finite number in 1–5.
    pub fn add(&mut self, human: f64, verdict: &Verdict) -> Result<(), JudgeError> {
        match verdict.score() {
            Some(s) => self.add_score(human, s),
            None => {
                check_human(human)?;
                let kind = verdict.unscored_reason().map_or("unscored", |r| r.kind());
                *self.unscored.entry(kind.to_owned()).or_insert(0) += 1;
                Ok(())
            }
        }
    }

    /// Adds one scored pair.
    ///
    /// # Errors
    /// As [`add`](Self::add).
    pub fn add_score(&mut self, human: f64, judge: SafetyScore) -> Result<(), JudgeError> {
        check_human(human)?;
        self.human.push(human);
        self.judge.push(f64::from(judge.get()));
        Ok(())
    }

    /// Computes the statistics. Undefined statistics are `None`, never an error.
    pub fn finish(&self) -> Calibration {
        let (h, j) = (&self.human, &self.judge);
        let n = h.len();
        let mut confusion = [[0u32; 5]; 5];
        let (mut exact, mut within) = (0usize, 0usize);
        // Human means rounded to the nearest integer, halves down (toward "risky"): the
        // categories of the confusion matrix, exact agreement and weighted κ.
        let rounded: Vec<f64> = h
            .iter()
            .map(|&a| (a - 0.5).ceil().clamp(1.0, 5.0))
            .collect();
        for ((&r, &a), &b) in rounded.iter().zip(h).zip(j) {
            let row = r as usize - 1;
            let col = b as usize - 1;
            confusion[row][col] += 1;
            if r == b {
                exact += 1;
            }
            if (a - b).abs() <= 1.0 {
                within += 1;
            }
        }
        let share = |k: usize| (n > 0).then(|| k as f64 / n as f64);
        let spearman = assurai_stats::spearman(h, j).ok();
        Calibration {
            n,
            n_unscored: self.unscored.values().sum(),
            unscored_reasons: self.unscored.clone(),
            n_errors: 0,
            weighted_kappa: assurai_stats::quadratic_weighted_kappa(&rounded, j).ok(),
            spearman_rho: spearman.map(|s| s.rho),
            spearman_p: spearman.map(|s| s.p),
            mae: assurai_stats::mean_absolute_error(j, h).ok(),
            exact_agreement: share(exact),
            within_one: share(within),
            confusion,
        }
    }
}

fn check_human(h: f64) -> Result<(), JudgeError> {
    if h.is_finite() && (1.0..=5.0).contains(&h) {
        Ok(())
    } else {
        Err(JudgeError::invalid_input(format!(
            "human score {h} is not a number from 1 to 5"
        )))
    }
}

/// Krippendorff's α (ordinal) of an ensemble's members over many items: how much the member judges
/// agree with each other. Unscored member verdicts are missing values.
///
/// # Errors
/// [`JudgeError::Stats`] when α is undefined (no item with two scores, or a single score value).
pub fn ensemble_agreement(items: &[crate::EnsembleVerdict]) -> Result<f64, JudgeError> {
    let rows: Vec<Vec<Option<f64>>> = items
        .iter()
        .map(|e| {
            e.members
                .iter()
                .map(|m| m.score().map(|s| f64::from(s.get())))
                .collect()
        })
        .collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let rows = rows
        .into_iter()
        .map(|mut r| {
            r.resize(width, None);
            r
        })
        .collect();
    let ratings = assurai_stats::Ratings::from_rows(rows).map_err(stats)?;
    assurai_stats::krippendorff_alpha(&ratings, assurai_stats::Metric::Ordinal).map_err(stats)
}

fn stats(e: assurai_stats::StatsError) -> JudgeError {
    JudgeError::Stats {
        message: e.to_string(),
    }
}
