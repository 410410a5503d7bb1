//! Descriptive statistics, t-intervals, frequencies and Wilson intervals.

use serde::{Deserialize, Serialize};

use crate::error::{Result, at_least, check_finite, check_level};
use crate::interval::Interval;
use crate::special::{norm_ppf, t_ppf};

/// Summary of one sample (e.g. one model's scores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of observations.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor `n − 1`).
    pub sd: f64,
    /// Standard error of the mean, `sd / sqrt(n)`.
    pub se: f64,
    /// Coefficient of variation in percent, `100 · sd / mean`; `None` when
    /// the mean is 0.
    pub cv_percent: Option<f64>,
    /// Smallest value.
    pub min: f64,
    /// First quartile (linear interpolation, NumPy's default / Hyndman–Fan 7).
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile (same method as `q1`).
    pub q3: f64,
    /// Largest value.
    pub max: f64,
    /// Confidence level of `ci`.
    pub level: f64,
    /// Student t confidence interval for the mean at `level`.
    pub ci: Interval,
}

/// Mean, SD, SE, CV, quartiles and a `level` t-interval of `xs`
/// (at least 2 finite values).
///
/// ```
/// let s = assurai_stats::describe(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95)?;
/// assert_eq!(s.mean, 3.0);
/// assert!((s.sd - 1.5811388300841898).abs() < 1e-15);
/// assert_eq!(s.median, 3.0);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn describe(xs: &[f64], level: f64) -> Result<Summary> {
    check_level(level)?;
    at_least("observations", 2, xs.len())?;
    check_finite("sample", xs)?;
    let (mean, var) = mean_var(xs);
    let n = xs.len();
    let sd = var.sqrt();
    let se = sd / (n as f64).sqrt();
    let mut sorted = xs.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Ok(Summary {
        n,
        mean,
        sd,
        se,
        cv_percent: cv_percent(mean, sd),
        min: sorted[0],
        q1: quantile_sorted(&sorted, 0.25),
        median: quantile_sorted(&sorted, 0.5),
        q3: quantile_sorted(&sorted, 0.75),
        max: sorted[n - 1],
        level,
        ci: t_interval_from(mean, se, n, level),
    })
}

/// The `level` Student t confidence interval for the mean of `xs`.
pub fn t_interval(xs: &[f64], level: f64) -> Result<Interval> {
    check_level(level)?;
    at_least("observations", 2, xs.len())?;
    check_finite("sample", xs)?;
    let (mean, var) = mean_var(xs);
    let se = (var / xs.len() as f64).sqrt();
    Ok(t_interval_from(mean, se, xs.len(), level))
}

pub(crate) fn t_interval_from(mean: f64, se: f64, n: usize, level: f64) -> Interval {
    let t = t_ppf(0.5 + level / 2.0, (n - 1) as f64);
    Interval::new(mean - t * se, mean + t * se)
}

pub(crate) fn cv_percent(mean: f64, sd: f64) -> Option<f64> {
    (mean != 0.0).then(|| 100.0 * sd / mean)
}

/// Mean and unbiased variance by two passes (accurate for large means).
pub(crate) fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let (mut ss, mut comp) = (0.0, 0.0);
    for &x in xs {
        let d = x - mean;
        ss += d * d;
        comp += d;
    }
    // Corrected two-pass (Chan, Golub & LeVeque): `comp` is the rounding
    // error of the first-pass mean, folded back into both results.
    let var = (ss - comp * comp / n) / (n - 1.0);
    (mean + comp / n, var.max(0.0))
}

/// Quantile of sorted data by linear interpolation (type 7).
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// One row of a frequency table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frequency {
    /// The value (e.g. a score 1–5).
    pub value: f64,
    /// How many times it occurs.
    pub count: usize,
    /// `count / n`.
    pub proportion: f64,
}

/// Frequency table of the distinct values of `xs`, in increasing order
/// (a score histogram for ordinal ratings).
///
/// ```
/// let h = assurai_stats::frequencies(&[5.0, 1.0, 5.0, 3.0])?;
/// assert_eq!(h.iter().map(|f| f.count).collect::<Vec<_>>(), [1, 1, 2]);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn frequencies(xs: &[f64]) -> Result<Vec<Frequency>> {
    check_finite("sample", xs)?;
    let mut sorted = xs.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = xs.len() as f64;
    let mut out: Vec<Frequency> = Vec::new();
    for x in sorted {
        match out.last_mut() {
            Some(f) if f.value == x => f.count += 1,
            _ => out.push(Frequency {
                value: x,
                count: 1,
                proportion: 0.0,
            }),
        }
    }
    for f in &mut out {
        f.proportion = f.count as f64 / n;
    }
    Ok(out)
}

/// Wilson score interval for a proportion `successes / n` (a blocked rate,
/// a refusal rate) at confidence `level`.
///
/// ```
/// let ci = assurai_stats::wilson_interval(12, 140, 0.95)?;
/// assert!(ci.contains(12.0 / 140.0));
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn wilson_interval(successes: u64, n: u64, level: f64) -> Result<Interval> {
    check_level(level)?;
    at_least("trials", 1, n as usize)?;
    if successes > n {
        return Err(crate::StatsError::InvalidArgument {
            name: "successes",
            value: successes as f64,
            expected: "at most n successes",
        });
    }
    let z = norm_ppf(0.5 + level / 2.0);
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    Ok(Interval::new(
        (center - half).max(0.0),
        (center + half).min(1.0),
    ))
}

/// Mean absolute error between paired values (e.g. judge vs human mean).
pub fn mean_absolute_error(a: &[f64], b: &[f64]) -> Result<f64> {
    crate::error::same_len("a", a, "b", b)?;
    at_least("pairs", 1, a.len())?;
    check_finite("a", a)?;
    check_finite("b", b)?;
    Ok(a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64)
}
