//! Post-hoc pairwise comparisons: Tukey HSD (Tukey–Kramer), Games–Howell,
//! and Dunn's test with Holm adjustment.

use serde::{Deserialize, Serialize};

use crate::anova::{Moments, check_groups, moments};
use crate::error::{Result, StatsError, check_level};
use crate::interval::Interval;
use crate::ranks::rank_sums;
use crate::special::norm_two_sided;
use crate::studentized_range::StudentizedRange;

/// One pair of a Tukey HSD or Games–Howell table (groups by index).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanDifference {
    /// Index of the first group.
    pub a: usize,
    /// Index of the second group (`a < b`).
    pub b: usize,
    /// `mean(a) − mean(b)`.
    pub diff: f64,
    /// Standard error used for the studentized statistic.
    pub se: f64,
    /// The studentized range statistic `|diff| / se`.
    pub q: f64,
    /// Degrees of freedom of the reference distribution.
    pub df: f64,
    /// Simultaneous confidence interval for the difference.
    pub ci: Interval,
    /// Family-wise adjusted p-value.
    pub p_adj: f64,
    /// Whether `p_adj < 1 − level`.
    pub reject: bool,
}

/// Tukey's honestly significant difference test for all pairs `a < b`
/// (Tukey–Kramer standard errors for unequal group sizes), with
/// simultaneous `level` confidence intervals.
///
/// Matches `scipy.stats.tukey_hsd` (which uses the same definition).
pub fn tukey_hsd<G: AsRef<[f64]>>(groups: &[G], level: f64) -> Result<Vec<MeanDifference>> {
    check_level(level)?;
    check_groups(groups)?;
    tukey_from(&moments(groups), level)
}

pub(crate) fn tukey_from(m: &Moments, level: f64) -> Result<Vec<MeanDifference>> {
    let k = m.n.len();
    let n_total: f64 = m.n.iter().sum();
    let df = n_total - k as f64;
    let ssw: f64 = m.n.iter().zip(&m.var).map(|(n, v)| (n - 1.0) * v).sum();
    if ssw <= 0.0 {
        return Err(StatsError::Degenerate(
            "zero variance within every group: Tukey HSD is undefined".into(),
        ));
    }
    let mse = ssw / df;
    let dist = StudentizedRange::new(k, df)?;
    let crit = dist.quantile(level)?;
    let mut out = Vec::with_capacity(k * (k - 1) / 2);
    for a in 0..k {
        for b in a + 1..k {
            let diff = m.mean[a] - m.mean[b];
            let se = (mse / 2.0 * (1.0 / m.n[a] + 1.0 / m.n[b])).sqrt();
            let q = diff.abs() / se;
            let p_adj = dist.sf(q);
            out.push(MeanDifference {
                a,
                b,
                diff,
                se,
                q,
                df,
                ci: Interval::new(diff - crit * se, diff + crit * se),
                p_adj,
                reject: p_adj < 1.0 - level,
            });
        }
    }
    Ok(out)
}

/// The Games–Howell test: Tukey-style pairwise comparisons without the
/// equal-variance assumption (Welch standard errors and per-pair
/// Welch–Satterthwaite degrees of freedom).
pub fn games_howell<G: AsRef<[f64]>>(groups: &[G], level: f64) -> Result<Vec<MeanDifference>> {
    check_level(level)?;
    check_groups(groups)?;
    let m = moments(groups);
    if let Some(i) = m.var.iter().position(|&v| v <= 0.0) {
        return Err(StatsError::Degenerate(format!(
            "group #{i} has zero variance: Games-Howell needs every variance > 0"
        )));
    }
    let k = m.n.len();
    let base = StudentizedRange::new(k, f64::INFINITY)?;
    let mut out = Vec::with_capacity(k * (k - 1) / 2);
    for a in 0..k {
        for b in a + 1..k {
            let (va, vb) = (m.var[a] / m.n[a], m.var[b] / m.n[b]);
            let df = (va + vb).powi(2) / (va * va / (m.n[a] - 1.0) + vb * vb / (m.n[b] - 1.0));
            let se = ((va + vb) / 2.0).sqrt();
            let diff = m.mean[a] - m.mean[b];
            let q = diff.abs() / se;
            let dist = base.with_df(df)?;
            let crit = dist.quantile(level)?;
            let p_adj = dist.sf(q);
            out.push(MeanDifference {
                a,
                b,
                diff,
                se,
                q,
                df,
                ci: Interval::new(diff - crit * se, diff + crit * se),
                p_adj,
                reject: p_adj < 1.0 - level,
            });
        }
    }
    Ok(out)
}

/// One pair of Dunn's test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DunnPair {
    /// Index of the first group.
    pub a: usize,
    /// Index of the second group (`a < b`).
    pub b: usize,
    /// `mean rank(a) − mean rank(b)`.
    pub rank_diff: f64,
    /// The z statistic (tie-corrected).
    pub z: f64,
    /// Unadjusted two-sided p-value.
    pub p: f64,
    /// Holm-adjusted p-value over all pairs.
    pub p_adj: f64,
    /// Whether `p_adj < alpha`.
    pub reject: bool,
}

/// Dunn's pairwise rank test after Kruskal–Wallis, with tie correction and
/// Holm's step-down adjustment at family-wise level `alpha`.
pub fn dunn_holm<G: AsRef<[f64]>>(groups: &[G], alpha: f64) -> Result<Vec<DunnPair>> {
    check_level(alpha)?;
    check_groups(groups)?;
    let ranked = rank_sums(groups);
    let n: Vec<f64> = groups.iter().map(|g| g.as_ref().len() as f64).collect();
    let nt: f64 = n.iter().sum();
    let var = nt * (nt + 1.0) / 12.0 - ranked.tie_sum / (12.0 * (nt - 1.0));
    if var <= 0.0 {
        return Err(StatsError::Degenerate(
            "all values are equal: Dunn's test is undefined".into(),
        ));
    }
    let mean_rank: Vec<f64> = ranked
        .rank_sums
        .iter()
        .zip(&n)
        .map(|(r, n)| r / n)
        .collect();
    let k = n.len();
    let mut out = Vec::with_capacity(k * (k - 1) / 2);
    for a in 0..k {
        for b in a + 1..k {
            let d = mean_rank[a] - mean_rank[b];
            let z = d / (var * (1.0 / n[a] + 1.0 / n[b])).sqrt();
            out.push(DunnPair {
                a,
                b,
                rank_diff: d,
                z,
                p: norm_two_sided(z),
                p_adj: 0.0,
                reject: false,
            });
        }
    }
    let p: Vec<f64> = out.iter().map(|x| x.p).collect();
    for (pair, adj) in out.iter_mut().zip(holm(&p)) {
        pair.p_adj = adj;
        pair.reject = adj < alpha;
    }
    Ok(out)
}

/// Holm's step-down adjusted p-values, in input order.
///
/// ```
/// let adj = assurai_stats::holm(&[0.01, 0.04, 0.03]);
/// let want = [0.03, 0.06, 0.06];
/// assert!(adj.iter().zip(want).all(|(a, w)| (a - w).abs() < 1e-15));
/// ```
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        let v = ((m - rank) as f64 * p[i]).min(1.0);
        running = running.max(v);
        out[i] = running;
    }
    out
}
