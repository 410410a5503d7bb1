//! Seeded bootstrap confidence intervals (percentile and BCa).
//!
//! The random numbers always come from the caller through the small
//! [`RandomSource`] trait, so results are reproducible and no RNG crate
//! appears in this crate's API. Any `FnMut() -> u64` is a source, which
//! adapts any generator: `&mut || rng.next_u64()`. [`SplitMix64`] is a
//! tiny seeded generator for when nothing else is at hand.

use serde::{Deserialize, Serialize};

use crate::descriptive::quantile_sorted;
use crate::error::{Result, StatsError, at_least, check_finite, check_level};
use crate::interval::Interval;
use crate::special::{norm_cdf, norm_ppf};

/// A source of uniformly distributed 64-bit random numbers.
pub trait RandomSource {
    /// The next random `u64`.
    fn next_u64(&mut self) -> u64;

    /// A uniform index in `0..n` (multiply-shift; bias below `n / 2^64`).
    fn index(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

impl<F: FnMut() -> u64> RandomSource for F {
    fn next_u64(&mut self) -> u64 {
        self()
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seeded generator
/// adequate for resampling. Same seed, same sequence, on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }
}

impl RandomSource for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Which bootstrap interval to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BootstrapMethod {
    /// Percentiles of the bootstrap distribution.
    Percentile,
    /// Bias-corrected and accelerated (Efron 1987); acceleration from the
    /// jackknife, which calls the statistic `n` more times.
    Bca,
}

/// A bootstrap confidence interval for `statistic(data)` from `resamples`
/// resamples drawn with `rng`.
///
/// ```
/// use assurai_stats::{BootstrapMethod, SplitMix64, bootstrap_ci};
///
/// let scores = [5.0, 4.0, 5.0, 3.0, 5.0, 4.0, 2.0, 5.0, 4.0, 5.0];
/// let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
/// let mut rng = SplitMix64::new(42);
/// let ci = bootstrap_ci(&scores, mean, 2000, 0.95, BootstrapMethod::Bca, &mut rng)?;
/// assert!(ci.contains(4.2));
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn bootstrap_ci<F, R>(
    data: &[f64],
    statistic: F,
    resamples: usize,
    level: f64,
    method: BootstrapMethod,
    rng: &mut R,
) -> Result<Interval>
where
    F: Fn(&[f64]) -> f64,
    R: RandomSource + ?Sized,
{
    check_level(level)?;
    at_least("observations", 2, data.len())?;
    at_least("resamples", 2, resamples)?;
    check_finite("data", data)?;
    let n = data.len();
    let mut buf = vec![0.0; n];
    let mut reps = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for b in buf.iter_mut() {
            *b = data[rng.index(n)];
        }
        let t = statistic(&buf);
        if !t.is_finite() {
            return Err(StatsError::Degenerate(
                "the statistic returned a non-finite value on a resample".into(),
            ));
        }
        reps.push(t);
    }
    reps.sort_unstable_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    let (p_lo, p_hi) = match method {
        BootstrapMethod::Percentile => (alpha, 1.0 - alpha),
        BootstrapMethod::Bca => {
            let theta = statistic(data);
            // SciPy's convention: replicates equal to the estimate count half.
            let lt = reps.iter().filter(|&&t| t < theta).count();
            let le = reps.iter().filter(|&&t| t <= theta).count();
            let frac = (lt + le) as f64 / (2 * reps.len()) as f64;
            if frac <= 0.0 || frac >= 1.0 {
                return Err(StatsError::Degenerate(
                    "all bootstrap replicates lie on one side of the estimate: BCa is undefined"
                        .into(),
                ));
            }
            let z0 = norm_ppf(frac);
            let a = acceleration(data, &statistic);
            let adj = |z: f64| norm_cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z)));
            (adj(norm_ppf(alpha)), adj(norm_ppf(1.0 - alpha)))
        }
    };
    Ok(Interval::new(
        quantile_sorted(&reps, p_lo),
        quantile_sorted(&reps, p_hi),
    ))
}

/// Jackknife acceleration `Σ d³ / (6 (Σ d²)^{3/2})`, `d = mean − θ₍ᵢ₎`.
fn acceleration<F: Fn(&[f64]) -> f64>(data: &[f64], statistic: &F) -> f64 {
    let n = data.len();
    let mut buf = Vec::with_capacity(n - 1);
    let jack: Vec<f64> = (0..n)
        .map(|i| {
            buf.clear();
            buf.extend_from_slice(&data[..i]);
            buf.extend_from_slice(&data[i + 1..]);
            statistic(&buf)
        })
        .collect();
    let mean = jack.iter().sum::<f64>() / n as f64;
    let (mut s2, mut s3) = (0.0, 0.0);
    for t in &jack {
        let d = mean - t;
        s2 += d * d;
        s3 += d * d * d;
    }
    if s2 == 0.0 {
        0.0
    } else {
        s3 / (6.0 * s2.powf(1.5))
    }
}
