//! Standard errors of a mean clustered by a grouping of correlated scores
//! (the epochs of one instance, the outputs of one prompt).

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError, check_finite, check_level, same_len_usize};
use crate::interval::Interval;
use crate::special::t_ppf;

/// A mean with its cluster-robust standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClusteredMean {
    /// Scores.
    pub n: u64,
    /// Clusters (G).
    pub n_clusters: u64,
    /// The mean x̄.
    pub mean: f64,
    /// `√(G/(G−1) · Σ_g e_g²) / N`, `e_g = Σ_{i∈g} (x_i − x̄)`.
    pub se: f64,
    /// `x̄ ± t(0.5 + level/2, G − 1) · se`.
    pub ci: Interval,
    /// Confidence level of `ci`.
    pub level: f64,
}

/// The mean of `values` with its standard error clustered by `clusters`
/// (one label per value, any hashable type; at least two distinct labels)
/// and a `level` t-interval on G − 1 degrees of freedom.
///
/// ```
/// // Two epochs of three instances.
/// let scores = [5.0, 5.0, 2.0, 3.0, 4.0, 4.0];
/// let instance = ["a", "a", "b", "b", "c", "c"];
/// let m = assurai_stats::clustered_mean(&scores, &instance, 0.95)?;
/// assert_eq!((m.n, m.n_clusters), (6, 3));
/// assert!((m.mean - 23.0 / 6.0).abs() < 1e-15);
/// assert!(m.ci.contains(m.mean));
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn clustered_mean<K: Hash + Eq>(
    values: &[f64],
    clusters: &[K],
    level: f64,
) -> Result<ClusteredMean> {
    check_level(level)?;
    same_len_usize("values", values.len(), "clusters", clusters.len())?;
    check_finite("values", values)?;
    let mut index: HashMap<&K, usize> = HashMap::new();
    let ids: Vec<usize> = clusters
        .iter()
        .map(|k| {
            let next = index.len();
            *index.entry(k).or_insert(next)
        })
        .collect();
    let g = index.len();
    drop(index);
    crate::error::at_least("clusters", 2, g)?;
    let n = values.len();
    let (mean, _) = crate::descriptive::mean_var(values);
    // e_g from the deviations themselves (more accurate than s_g − n_g·x̄).
    let mut dev = vec![0.0; g];
    for (x, &i) in values.iter().zip(&ids) {
        dev[i] += x - mean;
    }
    Ok(finish(mean, &dev, n as u64, level))
}

/// [`clustered_mean`] from per-cluster `(count, sum)` pairs, for callers
/// that stream their data (clusters with a count of 0 are ignored).
///
/// ```
/// let m = assurai_stats::clustered_mean_from_sums(&[(2, 10.0), (2, 5.0), (2, 8.0)], 0.95)?;
/// assert!((m.mean - 23.0 / 6.0).abs() < 1e-15);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn clustered_mean_from_sums(sums: &[(u64, f64)], level: f64) -> Result<ClusteredMean> {
    check_level(level)?;
    let sums: Vec<(u64, f64)> = sums.iter().copied().filter(|s| s.0 > 0).collect();
    for (index, s) in sums.iter().enumerate() {
        if !s.1.is_finite() {
            return Err(StatsError::NonFinite {
                what: "cluster sums".into(),
                index,
                value: s.1,
            });
        }
    }
    crate::error::at_least("clusters", 2, sums.len())?;
    let n: u64 = sums.iter().map(|s| s.0).sum();
    let mean = sums.iter().map(|s| s.1).sum::<f64>() / n as f64;
    let dev: Vec<f64> = sums.iter().map(|&(c, s)| s - c as f64 * mean).collect();
    Ok(finish(mean, &dev, n, level))
}

fn finish(mean: f64, dev: &[f64], n: u64, level: f64) -> ClusteredMean {
    let g = dev.len() as f64;
    let ss: f64 = dev.iter().map(|e| e * e).sum();
    let se = (g / (g - 1.0) * ss).sqrt() / n as f64;
    let t = t_ppf(0.5 + level / 2.0, g - 1.0);
    ClusteredMean {
        n,
        n_clusters: dev.len() as u64,
        mean,
        se,
        ci: Interval::new(mean - t * se, mean + t * se),
        level,
    }
}
