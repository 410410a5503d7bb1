//! Paired comparison of two models on the same instances.

use serde::{Deserialize, Serialize};

use crate::descriptive::mean_var;
use crate::error::{Result, StatsError, at_least, check_finite, same_len};
use crate::ranks::average_ranks;
use crate::special::{norm_two_sided, t_two_sided};

/// Result of a paired t-test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedT {
    /// Mean of `a − b`.
    pub mean_diff: f64,
    /// The t statistic.
    pub t: f64,
    /// `n − 1`.
    pub df: f64,
    /// Two-sided p-value.
    pub p: f64,
}

/// Paired t-test of `a − b` against zero (two-sided).
pub fn paired_t_test(a: &[f64], b: &[f64]) -> Result<PairedT> {
    let d = differences(a, b)?;
    at_least("pairs", 2, d.len())?;
    let (mean, var) = mean_var(&d);
    if var <= 0.0 {
        return Err(StatsError::Degenerate(
            "all paired differences are equal: t is undefined".into(),
        ));
    }
    let n = d.len() as f64;
    let t = mean / (var / n).sqrt();
    Ok(PairedT {
        mean_diff: mean,
        t,
        df: n - 1.0,
        p: t_two_sided(t, n - 1.0),
    })
}

/// How a Wilcoxon p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WilcoxonMethod {
    /// Exact null distribution (no ties, no zero differences, n ≤ 50).
    Exact,
    /// Normal approximation with tie correction.
    Normal,
}

/// Result of the Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Wilcoxon {
    /// Sum of ranks of positive differences.
    pub r_plus: f64,
    /// Sum of ranks of negative differences.
    pub r_minus: f64,
    /// `min(r_plus, r_minus)` (SciPy's two-sided statistic).
    pub statistic: f64,
    /// Number of non-zero differences (zeros are dropped, Wilcoxon's method).
    pub n: usize,
    /// The z statistic of `statistic` (≤ 0, SciPy's convention) when the
    /// normal approximation was used.
    pub z: Option<f64>,
    /// Two-sided p-value.
    pub p: f64,
    /// How `p` was computed.
    pub method: WilcoxonMethod,
}

/// Wilcoxon signed-rank test of `a − b` (two-sided). Zero differences are
/// dropped; the exact null distribution is used when there are no ties and
/// no zeros and n ≤ 50 (as SciPy's `method="auto"`), otherwise the normal
/// approximation with tie correction and no continuity correction.
/// (SciPy instead runs a permutation test for tied samples with n ≤ 13.)
pub fn wilcoxon_signed_rank(a: &[f64], b: &[f64]) -> Result<Wilcoxon> {
    let d_all = differences(a, b)?;
    let zeros = d_all.iter().filter(|&&x| x == 0.0).count();
    let d: Vec<f64> = d_all.iter().copied().filter(|&x| x != 0.0).collect();
    at_least("non-zero differences", 1, d.len())?;
    let abs: Vec<f64> = d.iter().map(|x| x.abs()).collect();
    let ranks = average_ranks(&abs);
    let r_plus: f64 = d
        .iter()
        .zip(&ranks)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let nf = d.len() as f64;
    let total = nf * (nf + 1.0) / 2.0;
    let r_minus = total - r_plus;
    let tie_sum = tie_sum(&abs);
    let statistic = r_plus.min(r_minus);
    if tie_sum == 0.0 && zeros == 0 && d_all.len() <= 50 {
        let p = exact_p(d.len(), r_plus);
        return Ok(Wilcoxon {
            r_plus,
            r_minus,
            statistic,
            n: d.len(),
            z: None,
            p,
            method: WilcoxonMethod::Exact,
        });
    }
    let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_sum / 48.0;
    if var <= 0.0 {
        return Err(StatsError::Degenerate(
            "variance of the signed-rank statistic is zero".into(),
        ));
    }
    // SciPy's convention: z of the smaller rank sum, so z <= 0.
    let z = (statistic - total / 2.0) / var.sqrt();
    Ok(Wilcoxon {
        r_plus,
        r_minus,
        statistic,
        n: d.len(),
        z: Some(z),
        p: norm_two_sided(z),
        method: WilcoxonMethod::Normal,
    })
}

fn differences(a: &[f64], b: &[f64]) -> Result<Vec<f64>> {
    same_len("a", a, "b", b)?;
    check_finite("a", a)?;
    check_finite("b", b)?;
    Ok(a.iter().zip(b).map(|(x, y)| x - y).collect())
}

fn tie_sum(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    let mut sum = 0.0;
    let mut i = 0;
    while i < s.len() {
        let mut j = i + 1;
        while j < s.len() && s[j] == s[i] {
            j += 1;
        }
        let t = (j - i) as f64;
        sum += t * t * t - t;
        i = j;
    }
    sum
}

/// Two-sided exact p-value `2 min(P(W ≤ w), P(W ≥ w))` for `W+ = w`.
fn exact_p(n: usize, w: f64) -> f64 {
    let max = n * (n + 1) / 2;
    // counts[s] = number of subsets of {1..n} with sum s.
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for r in 1..=n {
        for s in (r..=max).rev() {
            counts[s] += counts[s - r];
        }
    }
    let total = 2f64.powi(n as i32);
    let lo = w.ceil() as usize;
    let hi = w.floor() as usize;
    let cdf: f64 = counts[..=lo.min(max)].iter().sum::<f64>() / total;
    let sf: f64 = counts[hi.min(max)..].iter().sum::<f64>() / total;
    (2.0 * cdf.min(sf)).min(1.0)
}
