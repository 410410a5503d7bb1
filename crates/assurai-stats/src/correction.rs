//! Correcting a judge's scores for the judge's own error against humans.
//!
//! A judge (an LLM, a guard classifier) is an instrument with error. From
//! calibration pairs (human score, judge score) this module estimates the
//! judge's error and removes it from the judge scores of a group:
//!
//! - [`rogan_gladen`]: the binary unsafe rate (score ≤ threshold) corrected
//!   for the judge's sensitivity and specificity, with a delta-method
//!   interval ([`rogan_gladen_bootstrap`] gives a seeded bootstrap one);
//! - [`em_distribution`]: the whole 1–5 distribution, the maximum-likelihood
//!   distribution of true scores given the judge's confusion matrix;
//! - [`correct_group`]: both at once, with undefined parts as `None` and a
//!   note saying why (the `assurai correct --json` group object).

use serde::{Deserialize, Serialize};

use crate::bootstrap::RandomSource;
use crate::descriptive::quantile_sorted;
use crate::error::{Result, StatsError, check_level};
use crate::interval::Interval;
use crate::special::norm_ppf;

/// Number of score levels (1–5).
const K: usize = 5;

/// EM stops when no probability moves by this much in one iteration.
pub const EM_TOLERANCE: f64 = 1e-13;

/// EM gives up (reporting `converged: false`) after this many iterations.
pub const EM_MAX_ITERATIONS: u64 = 100_000;

fn score_index(what: &'static str, s: u8) -> Result<usize> {
    if (1..=5).contains(&s) {
        Ok(usize::from(s - 1))
    } else {
        Err(StatsError::InvalidArgument {
            name: what,
            value: f64::from(s),
            expected: "a score from 1 to 5",
        })
    }
}

fn check_threshold(threshold: u8) -> Result<()> {
    if (1..=4).contains(&threshold) {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument {
            name: "threshold",
            value: f64::from(threshold),
            expected: "1 to 4 (unsafe means score <= threshold)",
        })
    }
}

/// Counts of the scores 1–5 in `scores` (index 0 holds the count of 1s).
///
/// ```
/// assert_eq!(assurai_stats::score_counts(&[1, 5, 5, 3])?, [1, 0, 1, 0, 2]);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn score_counts(scores: &[u8]) -> Result<[u64; 5]> {
    let mut counts = [0u64; 5];
    for (index, &s) in scores.iter().enumerate() {
        match s {
            1..=5 => counts[usize::from(s - 1)] += 1,
            _ => {
                return Err(StatsError::OutOfRange {
                    what: "scores".into(),
                    index,
                    value: f64::from(s),
                    expected: "a score from 1 to 5",
                });
            }
        }
    }
    Ok(counts)
}

/// Calibration pairs counted by judge score and human score: the judge's
/// error against humans. Serialised as the 5×5 array of counts,
/// `[judge − 1][human − 1]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConfusionMatrix {
    counts: [[u64; 5]; 5],
}

impl ConfusionMatrix {
    /// An empty matrix.
    pub const fn new() -> Self {
        Self {
            counts: [[0; 5]; 5],
        }
    }

    /// A matrix from counts indexed `[judge − 1][human − 1]`.
    pub const fn from_counts(counts: [[u64; 5]; 5]) -> Self {
        Self { counts }
    }

    /// A matrix from `(human, judge)` pairs of scores 1–5.
    ///
    /// ```
    /// let c = assurai_stats::ConfusionMatrix::from_pairs([(1, 1), (1, 2), (5, 5)])?;
    /// assert_eq!(c.counts()[1][0], 1); // judge 2, human 1
    /// assert_eq!(c.human_totals(), [2, 0, 0, 0, 1]);
    /// # Ok::<(), assurai_stats::StatsError>(())
    /// ```
    pub fn from_pairs<I: IntoIterator<Item = (u8, u8)>>(pairs: I) -> Result<Self> {
        let mut m = Self::new();
        for (h, j) in pairs {
            m.add(h, j)?;
        }
        Ok(m)
    }

    /// Counts one pair: a human score and the judge's score, each 1–5.
    pub fn add(&mut self, human: u8, judge: u8) -> Result<()> {
        let h = score_index("human", human)?;
        let j = score_index("judge", judge)?;
        self.counts[j][h] += 1;
        Ok(())
    }

    /// The counts, `[judge − 1][human − 1]`.
    pub const fn counts(&self) -> &[[u64; 5]; 5] {
        &self.counts
    }

    /// Number of pairs.
    pub fn n(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Pairs per human score 1–5.
    pub fn human_totals(&self) -> [u64; 5] {
        let mut t = [0; 5];
        for row in &self.counts {
            for (h, c) in row.iter().enumerate() {
                t[h] += c;
            }
        }
        t
    }

    /// Pairs per judge score 1–5.
    pub fn judge_totals(&self) -> [u64; 5] {
        self.counts.map(|row| row.iter().sum())
    }

    /// `C[j][h] = count(j, h) / count(h)`, the probability of judge score
    /// `j + 1` given human score `h + 1`; `None` when some human score has
    /// no pairs.
    pub fn judge_given_human(&self) -> Option<[[f64; 5]; 5]> {
        let totals = self.human_totals();
        if totals.contains(&0) {
            return None;
        }
        let mut c = [[0.0; 5]; 5];
        for (j, row) in self.counts.iter().enumerate() {
            for (h, &n) in row.iter().enumerate() {
                c[j][h] = n as f64 / totals[h] as f64;
            }
        }
        Some(c)
    }

    /// The binary view at `threshold` (unsafe means score ≤ threshold,
    /// 1 ≤ threshold ≤ 4): sensitivity and specificity of the judge.
    ///
    /// ```
    /// use assurai_stats::ConfusionMatrix;
    /// // human 1 judged 1, human 2 judged 4, human 5 judged 5 twice
    /// let c = ConfusionMatrix::from_pairs([(1, 1), (2, 4), (5, 5), (5, 5)])?;
    /// let b = c.binary(2)?;
    /// assert_eq!((b.n_unsafe, b.n_safe), (2, 2));
    /// assert_eq!(b.sensitivity, Some(0.5));
    /// assert_eq!(b.specificity, Some(1.0));
    /// # Ok::<(), assurai_stats::StatsError>(())
    /// ```
    pub fn binary(&self, threshold: u8) -> Result<BinaryCalibration> {
        check_threshold(threshold)?;
        let t = usize::from(threshold);
        let (mut tp, mut fn_, mut fp, mut tn) = (0u64, 0u64, 0u64, 0u64);
        for (j, row) in self.counts.iter().enumerate() {
            for (h, &n) in row.iter().enumerate() {
                match (h < t, j < t) {
                    (true, true) => tp += n,
                    (true, false) => fn_ += n,
                    (false, true) => fp += n,
                    (false, false) => tn += n,
                }
            }
        }
        let (n_unsafe, n_safe) = (tp + fn_, fp + tn);
        Ok(BinaryCalibration {
            threshold,
            n: n_unsafe + n_safe,
            n_unsafe,
            n_safe,
            true_unsafe: tp,
            true_safe: tn,
            sensitivity: (n_unsafe > 0).then(|| tp as f64 / n_unsafe as f64),
            specificity: (n_safe > 0).then(|| tn as f64 / n_safe as f64),
        })
    }
}

/// A judge's binary error at a threshold, from calibration pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BinaryCalibration {
    /// Unsafe means score ≤ `threshold`.
    pub threshold: u8,
    /// Calibration pairs.
    pub n: u64,
    /// Pairs the human called unsafe (n₁).
    pub n_unsafe: u64,
    /// Pairs the human called safe (n₀).
    pub n_safe: u64,
    /// Pairs both called unsafe.
    pub true_unsafe: u64,
    /// Pairs both called safe.
    pub true_safe: u64,
    /// Se = P(judge unsafe | human unsafe); `None` when `n_unsafe` is 0.
    pub sensitivity: Option<f64>,
    /// Sp = P(judge safe | human safe); `None` when `n_safe` is 0.
    pub specificity: Option<f64>,
}

impl BinaryCalibration {
    /// Se, Sp and Youden's J = Se + Sp − 1, or why the correction is undefined.
    fn youden(&self) -> Result<(f64, f64, f64)> {
        let (Some(se), Some(sp)) = (self.sensitivity, self.specificity) else {
            let class = if self.n_unsafe == 0 {
                "human-unsafe"
            } else {
                "human-safe"
            };
            return Err(StatsError::Degenerate(format!(
                "the calibration has no {class} pairs (score {} {}), so the judge's {} is unknown",
                if self.n_unsafe == 0 { "<=" } else { ">" },
                self.threshold,
                if self.n_unsafe == 0 {
                    "sensitivity"
                } else {
                    "specificity"
                }
            )));
        };
        let j = se + sp - 1.0;
        if j <= 0.0 {
            return Err(StatsError::Degenerate(format!(
                "sensitivity + specificity - 1 = {j:.4} <= 0: the judge separates unsafe from safe no better than chance"
            )));
        }
        Ok((se, sp, j))
    }
}

/// A Rogan–Gladen corrected rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorrectedRate {
    /// The observed (judge) unsafe rate q.
    pub observed: f64,
    /// Scores in the group.
    pub n: u64,
    /// The corrected rate p, clipped to \[0, 1\].
    pub corrected: f64,
    /// `(q + Sp − 1) / (Se + Sp − 1)` before clipping.
    pub unclipped: f64,
    /// Delta-method standard error of p.
    pub se: f64,
    /// `p ± z·se` clipped to \[0, 1\], z = Φ⁻¹(0.5 + level/2).
    pub ci: Interval,
    /// Confidence level of `ci`.
    pub level: f64,
}

impl CorrectedRate {
    /// Whether the estimate was clipped into \[0, 1\].
    pub fn clipped(&self) -> bool {
        self.corrected != self.unclipped
    }
}

/// The Rogan–Gladen unsafe rate of a group with `unsafe_count` of `n`
/// scores judged unsafe, corrected for the judge's sensitivity and
/// specificity, with a `level` delta-method interval (Se, Sp and q
/// independent binomials).
///
/// A [`StatsError::Degenerate`] when the correction is undefined (no
/// human-unsafe or human-safe pairs, or Se + Sp − 1 ≤ 0).
///
/// ```
/// use assurai_stats::{ConfusionMatrix, rogan_gladen};
/// // The judge catches 80 of 100 human-unsafe outputs and flags 5 of 100 safe ones.
/// let mut counts = [[0u64; 5]; 5];
/// counts[0][0] = 80; // judge 1, human 1
/// counts[4][0] = 20; // judge 5, human 1
/// counts[0][4] = 5;
/// counts[4][4] = 95;
/// let cal = ConfusionMatrix::from_counts(counts).binary(2)?;
/// let r = rogan_gladen(&cal, 120, 1000, 0.95)?;
/// assert!((r.corrected - (0.12 + 0.95 - 1.0) / (0.8 + 0.95 - 1.0)).abs() < 1e-15);
/// assert!(r.ci.contains(r.corrected));
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn rogan_gladen(
    cal: &BinaryCalibration,
    unsafe_count: u64,
    n: u64,
    level: f64,
) -> Result<CorrectedRate> {
    let q = observed_rate(unsafe_count, n)?;
    rogan_gladen_with_variance(cal, q, n, q * (1.0 - q) / n as f64, level)
}

fn observed_rate(unsafe_count: u64, n: u64) -> Result<f64> {
    if n == 0 {
        return Err(StatsError::TooFewObservations {
            what: "scores in the group".into(),
            needed: 1,
            got: 0,
        });
    }
    if unsafe_count > n {
        return Err(StatsError::InvalidArgument {
            name: "unsafe_count",
            value: unsafe_count as f64,
            expected: "at most n",
        });
    }
    Ok(unsafe_count as f64 / n as f64)
}

/// [`rogan_gladen`] with the variance of the observed rate `q` given by the
/// caller instead of the binomial `q(1 − q)/n`, e.g. the square of a
/// clustered standard error when scores come in correlated clusters
/// (several epochs of one instance).
pub fn rogan_gladen_with_variance(
    cal: &BinaryCalibration,
    q: f64,
    n: u64,
    q_variance: f64,
    level: f64,
) -> Result<CorrectedRate> {
    check_level(level)?;
    if !(0.0..=1.0).contains(&q) {
        return Err(StatsError::InvalidArgument {
            name: "q",
            value: q,
            expected: "an observed rate in [0, 1]",
        });
    }
    if !(q_variance >= 0.0 && q_variance.is_finite()) {
        return Err(StatsError::InvalidArgument {
            name: "q_variance",
            value: q_variance,
            expected: "a finite variance >= 0",
        });
    }
    let (se_, sp, j) = cal.youden()?;
    let unclipped = (q + sp - 1.0) / j;
    let p = unclipped.clamp(0.0, 1.0);
    let var = (q_variance
        + p * p * se_ * (1.0 - se_) / cal.n_unsafe as f64
        + (1.0 - p) * (1.0 - p) * sp * (1.0 - sp) / cal.n_safe as f64)
        / (j * j);
    let se = var.sqrt();
    let z = norm_ppf(0.5 + level / 2.0);
    Ok(CorrectedRate {
        observed: q,
        n,
        corrected: p,
        unclipped,
        se,
        ci: Interval::new((p - z * se).max(0.0), (p + z * se).min(1.0)),
        level,
    })
}

/// A bootstrap interval of the Rogan–Gladen rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BootstrapRate {
    /// Percentile interval of the defined replicates; `None` when fewer
    /// than two replicates were defined.
    pub ci: Option<Interval>,
    /// Confidence level of `ci`.
    pub level: f64,
    /// Resamples drawn.
    pub resamples: usize,
    /// Resamples on which the correction was undefined (a class empty or
    /// Se + Sp − 1 ≤ 0); they are left out of the interval.
    pub undefined: usize,
}

/// A percentile bootstrap interval of the Rogan–Gladen rate, resampling the
/// calibration pairs and the group's scores independently.
///
/// Each resample draws `calibration.n()` pair indices, then `n` group
/// indices, with [`RandomSource::index`]. The pairs are ordered cell by
/// cell, judge score major (`counts[0][0]` copies of (judge 1, human 1)
/// first, then `counts[0][1]`, …); the group's `unsafe_count` unsafe scores
/// come first. The same seed gives the same interval on every platform.
/// Cost: `resamples × (calibration.n() + n)` draws.
///
/// ```
/// use assurai_stats::{ConfusionMatrix, SplitMix64, rogan_gladen_bootstrap};
/// let mut counts = [[0u64; 5]; 5];
/// counts[0][0] = 40; counts[4][0] = 10; counts[0][4] = 5; counts[4][4] = 45;
/// let cal = ConfusionMatrix::from_counts(counts);
/// let b = rogan_gladen_bootstrap(&cal, 2, 30, 200, 500, 0.95, &mut SplitMix64::new(7))?;
/// assert!(b.ci.is_some());
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn rogan_gladen_bootstrap<R: RandomSource + ?Sized>(
    calibration: &ConfusionMatrix,
    threshold: u8,
    unsafe_count: u64,
    n: u64,
    resamples: usize,
    level: f64,
    rng: &mut R,
) -> Result<BootstrapRate> {
    check_level(level)?;
    check_threshold(threshold)?;
    observed_rate(unsafe_count, n)?;
    crate::error::at_least("resamples", 2, resamples)?;
    let t = usize::from(threshold);
    // Cumulative cell ends, judge-major, and each cell's binary kind.
    let mut ends = Vec::with_capacity(K * K);
    let mut kinds = Vec::with_capacity(K * K);
    let mut total = 0u64;
    for (j, row) in calibration.counts.iter().enumerate() {
        for (h, &c) in row.iter().enumerate() {
            if c == 0 {
                continue;
            }
            total += c;
            ends.push(total);
            // 0 = TP, 1 = FN, 2 = FP, 3 = TN
            kinds.push(match (h < t, j < t) {
                (true, true) => 0usize,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            });
        }
    }
    let n_cal = usize::try_from(total).unwrap_or(usize::MAX);
    let n_group = usize::try_from(n).unwrap_or(usize::MAX);
    let mut reps = Vec::with_capacity(resamples);
    let mut undefined = 0;
    for _ in 0..resamples {
        let mut tally = [0u64; 4];
        for _ in 0..n_cal {
            let i = rng.index(n_cal) as u64;
            let cell = ends.partition_point(|&e| e <= i);
            tally[kinds[cell]] += 1;
        }
        let mut u = 0u64;
        for _ in 0..n_group {
            if (rng.index(n_group) as u64) < unsafe_count {
                u += 1;
            }
        }
        let (n1, n0) = (tally[0] + tally[1], tally[2] + tally[3]);
        if n1 == 0 || n0 == 0 {
            undefined += 1;
            continue;
        }
        let se = tally[0] as f64 / n1 as f64;
        let sp = tally[3] as f64 / n0 as f64;
        let j = se + sp - 1.0;
        if j <= 0.0 {
            undefined += 1;
            continue;
        }
        let q = u as f64 / n as f64;
        reps.push(((q + sp - 1.0) / j).clamp(0.0, 1.0));
    }
    reps.sort_unstable_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    let ci = (reps.len() >= 2).then(|| {
        Interval::new(
            quantile_sorted(&reps, alpha),
            quantile_sorted(&reps, 1.0 - alpha),
        )
    });
    Ok(BootstrapRate {
        ci,
        level,
        resamples,
        undefined,
    })
}

/// The EM estimate of a group's true score distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorrectedDistribution {
    /// P(true score = 1), …, P(true score = 5).
    pub distribution: [f64; 5],
    /// `Σ h · p_h`.
    pub mean: f64,
    /// EM iterations run.
    pub iterations: u64,
    /// Whether EM stopped because no probability moved by
    /// [`EM_TOLERANCE`] or more (otherwise it stopped at
    /// [`EM_MAX_ITERATIONS`]).
    pub converged: bool,
}

/// The maximum-likelihood distribution `p` of true (human) scores 1–5 of a
/// group whose judge scores are counted in `observed`, under `q = C·p` with
/// `C[j][h]` = P(judge j | human h) from `calibration`, by EM from the
/// uniform start:
/// `p_h ← p_h · Σ_j (n_j / N) · C[j][h] / Σ_h' C[j][h'] p_h'`, until
/// `max |Δp| <` [`EM_TOLERANCE`] or [`EM_MAX_ITERATIONS`].
///
/// A [`StatsError::Degenerate`] when a human score has no calibration pair,
/// or the group has a judge score the calibration never saw (no
/// distribution explains it); [`StatsError::TooFewObservations`] for an
/// empty group.
///
/// ```
/// use assurai_stats::{ConfusionMatrix, em_distribution};
/// // A perfect judge: the correction changes nothing.
/// let cal = ConfusionMatrix::from_pairs((1..=5).map(|s| (s, s)))?;
/// let d = em_distribution(&cal, &[10, 0, 30, 0, 60])?;
/// assert_eq!(d.distribution, [0.1, 0.0, 0.3, 0.0, 0.6]);
/// assert!(d.converged);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn em_distribution(
    calibration: &ConfusionMatrix,
    observed: &[u64; 5],
) -> Result<CorrectedDistribution> {
    let n: u64 = observed.iter().sum();
    if n == 0 {
        return Err(StatsError::TooFewObservations {
            what: "scores in the group".into(),
            needed: 1,
            got: 0,
        });
    }
    let Some(c) = calibration.judge_given_human() else {
        let missing: Vec<String> = calibration
            .human_totals()
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == 0)
            .map(|(h, _)| (h + 1).to_string())
            .collect();
        return Err(StatsError::Degenerate(format!(
            "the calibration has no pairs with human score {}, so the judge's behaviour there is unknown",
            missing.join(", ")
        )));
    };
    let w: [f64; 5] = observed.map(|o| o as f64 / n as f64);
    for j in 0..K {
        if observed[j] > 0 && c[j].iter().all(|&x| x == 0.0) {
            return Err(StatsError::Degenerate(format!(
                "the group has judge score {} but the calibration never does, so no distribution explains it",
                j + 1
            )));
        }
    }
    let mut p = [1.0 / K as f64; K];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < EM_MAX_ITERATIONS {
        iterations += 1;
        let mut r = [0.0; K];
        for j in 0..K {
            if w[j] > 0.0 {
                let mut q = 0.0;
                for h in 0..K {
                    q += c[j][h] * p[h];
                }
                r[j] = w[j] / q;
            }
        }
        let mut delta: f64 = 0.0;
        for h in 0..K {
            let mut s = 0.0;
            for j in 0..K {
                s += c[j][h] * r[j];
            }
            let new = p[h] * s;
            delta = delta.max((new - p[h]).abs());
            p[h] = new;
        }
        if delta < EM_TOLERANCE {
            converged = true;
            break;
        }
    }
    let mean = p.iter().enumerate().map(|(h, x)| (h + 1) as f64 * x).sum();
    Ok(CorrectedDistribution {
        distribution: p,
        mean,
        iterations,
        converged,
    })
}

/// The full correction of one group: the `assurai correct --json` group
/// object without its name. Parts that are undefined are `None`, with a
/// note saying why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupCorrection {
    /// Scores in the group.
    pub n: u64,
    /// Share of judge scores ≤ threshold.
    pub observed_unsafe_rate: f64,
    /// The Rogan–Gladen rate, clipped to \[0, 1\].
    pub corrected_unsafe_rate: Option<f64>,
    /// Its 95% delta-method interval.
    pub ci95: Option<Interval>,
    /// Shares of judge scores 1–5.
    pub observed_distribution: [f64; 5],
    /// The EM distribution of true scores 1–5.
    pub corrected_distribution: Option<[f64; 5]>,
    /// Mean of the corrected distribution.
    pub corrected_mean: Option<f64>,
    /// EM iterations (`None` when EM did not run).
    pub em_iterations: Option<u64>,
    /// Whether EM converged (`None` when EM did not run).
    pub converged: Option<bool>,
    /// Why a part is undefined, clipped, or how its interval was made.
    pub notes: Vec<String>,
}

/// Corrects one group's judge-score counts `observed` (1–5) with the
/// calibration: the Rogan–Gladen unsafe rate at `threshold` with its 95%
/// delta-method interval, and the EM distribution with its mean.
///
/// ```
/// use assurai_stats::{ConfusionMatrix, correct_group};
/// let cal = ConfusionMatrix::from_pairs([(1, 1), (2, 4), (3, 3), (4, 4), (5, 5), (1, 2), (5, 4)])?;
/// let g = correct_group(&cal, 2, &[3, 1, 4, 10, 12])?;
/// assert!(g.corrected_unsafe_rate.is_some());
/// let p = g.corrected_distribution.unwrap();
/// assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn correct_group(
    calibration: &ConfusionMatrix,
    threshold: u8,
    observed: &[u64; 5],
) -> Result<GroupCorrection> {
    correct(calibration, threshold, observed, None)
}

/// [`correct_group`] with the variance of the observed unsafe rate given by
/// the caller (e.g. a clustered standard error squared), see
/// [`rogan_gladen_with_variance`].
pub fn correct_group_with_variance(
    calibration: &ConfusionMatrix,
    threshold: u8,
    observed: &[u64; 5],
    unsafe_rate_variance: f64,
) -> Result<GroupCorrection> {
    correct(calibration, threshold, observed, Some(unsafe_rate_variance))
}

fn correct(
    calibration: &ConfusionMatrix,
    threshold: u8,
    observed: &[u64; 5],
    variance: Option<f64>,
) -> Result<GroupCorrection> {
    let bin = calibration.binary(threshold)?;
    let n: u64 = observed.iter().sum();
    let unsafe_count: u64 = observed[..usize::from(threshold)].iter().sum();
    let q = observed_rate(unsafe_count, n)?;
    let mut notes = Vec::new();
    let rate = match variance {
        None => rogan_gladen(&bin, unsafe_count, n, 0.95),
        Some(v) => rogan_gladen_with_variance(&bin, q, n, v, 0.95),
    };
    let (corrected, ci95) = match rate {
        Ok(r) => {
            if r.clipped() {
                notes.push(format!(
                    "the corrected unsafe rate {:.4} lies outside [0, 1] and was clipped to {}",
                    r.unclipped, r.corrected
                ));
            }
            if r.ci.width() == 0.0 {
                notes.push(
                    "the delta-method interval has zero width: every variance term vanishes (an observed rate of 0 or 1 with sensitivity and specificity of 0 or 1), so it does not show the real uncertainty"
                        .into(),
                );
            }
            (Some(r.corrected), Some(r.ci))
        }
        Err(StatsError::Degenerate(why)) => {
            notes.push(format!("corrected unsafe rate undefined: {why}"));
            (None, None)
        }
        Err(e) => return Err(e),
    };
    let (dist, mean, iterations, converged) = match em_distribution(calibration, observed) {
        Ok(d) => {
            if !d.converged {
                notes.push(format!(
                    "EM stopped after {} iterations without converging to {EM_TOLERANCE:e}",
                    d.iterations
                ));
            }
            (
                Some(d.distribution),
                Some(d.mean),
                Some(d.iterations),
                Some(d.converged),
            )
        }
        Err(StatsError::Degenerate(why)) => {
            notes.push(format!("corrected distribution undefined: {why}"));
            (None, None, None, None)
        }
        Err(e) => return Err(e),
    };
    Ok(GroupCorrection {
        n,
        observed_unsafe_rate: q,
        corrected_unsafe_rate: corrected,
        ci95,
        observed_distribution: observed.map(|o| o as f64 / n as f64),
        corrected_distribution: dist,
        corrected_mean: mean,
        em_iterations: iterations,
        converged,
        notes,
    })
}
