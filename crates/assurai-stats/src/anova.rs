//! One-way tests across groups: classic and Welch ANOVA, Levene and
//! Brown–Forsythe, Kruskal–Wallis.

use serde::{Deserialize, Serialize};

use crate::descriptive::mean_var;
use crate::error::{Result, StatsError, at_least, check_finite};
use crate::ranks::{median, rank_sums};
use crate::special::{chi2_sf, f_sf};

/// Classic one-way ANOVA (equal variances assumed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Anova {
    /// The F statistic `MS_between / MS_within`.
    pub f: f64,
    /// `k − 1`.
    pub df_between: f64,
    /// `N − k`.
    pub df_within: f64,
    /// `P(F > f)`.
    pub p: f64,
    /// Effect size η² = SS_between / SS_total.
    pub eta_squared: f64,
}

impl Anova {
    /// Effect size ω² = (SS_b − df_b·MS_w) / (SS_t + MS_w), equivalently
    /// `df_b (F − 1) / (df_b (F − 1) + N)`; may be negative when F < 1.
    pub fn omega_squared(&self) -> f64 {
        let n = self.df_between + self.df_within + 1.0;
        let num = self.df_between * (self.f - 1.0);
        num / (num + n)
    }
}

/// Welch's heteroscedastic one-way ANOVA.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WelchAnova {
    /// Welch's F statistic.
    pub f: f64,
    /// `k − 1`.
    pub df_between: f64,
    /// Welch–Satterthwaite denominator degrees of freedom (not an integer).
    pub df_within: f64,
    /// `P(F > f)`.
    pub p: f64,
}

/// A test of equal variances (Levene's W).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VarianceTest {
    /// The W statistic (an F statistic on absolute deviations).
    pub w: f64,
    /// `P(F(k − 1, N − k) > w)`.
    pub p: f64,
}

/// The Kruskal–Wallis rank test with tie correction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KruskalWallis {
    /// The tie-corrected H statistic.
    pub h: f64,
    /// `k − 1`.
    pub df: f64,
    /// `P(χ²_df > h)`.
    pub p: f64,
}

impl KruskalWallis {
    /// Effect size ε² = H / (N − 1) for `n_total` = N observations.
    pub fn epsilon_squared(&self, n_total: usize) -> f64 {
        self.h / (n_total as f64 - 1.0)
    }
}

/// Check: at least 2 groups, each with at least 2 finite values.
pub(crate) fn check_groups<G: AsRef<[f64]>>(groups: &[G]) -> Result<()> {
    at_least("groups", 2, groups.len())?;
    for (i, g) in groups.iter().enumerate() {
        let g = g.as_ref();
        at_least(format!("group #{i}"), 2, g.len())?;
        check_finite(&format!("group #{i}"), g)?;
    }
    Ok(())
}

/// Per-group n, mean and variance.
pub(crate) struct Moments {
    pub(crate) n: Vec<f64>,
    pub(crate) mean: Vec<f64>,
    pub(crate) var: Vec<f64>,
}

pub(crate) fn moments<G: AsRef<[f64]>>(groups: &[G]) -> Moments {
    let mut m = Moments {
        n: Vec::with_capacity(groups.len()),
        mean: Vec::with_capacity(groups.len()),
        var: Vec::with_capacity(groups.len()),
    };
    for g in groups {
        let g = g.as_ref();
        let (mean, var) = mean_var(g);
        m.n.push(g.len() as f64);
        m.mean.push(mean);
        m.var.push(var);
    }
    m
}

/// Classic one-way ANOVA of `groups` (each at least 2 values).
///
/// Fails with [`StatsError::Degenerate`] when every group is constant
/// (zero within-group variance: F is undefined or infinite).
///
/// ```
/// let a = [4.0, 5.0, 4.0, 5.0];
/// let b = [2.0, 3.0, 2.0, 3.0];
/// let r = assurai_stats::one_way_anova(&[&a[..], &b[..]])?;
/// assert!((r.f - 24.0).abs() < 1e-12 && r.p < 0.01);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn one_way_anova<G: AsRef<[f64]>>(groups: &[G]) -> Result<Anova> {
    check_groups(groups)?;
    anova_from(&moments(groups))
}

pub(crate) fn anova_from(m: &Moments) -> Result<Anova> {
    let k = m.n.len() as f64;
    let n_total: f64 = m.n.iter().sum();
    let grand = m.n.iter().zip(&m.mean).map(|(n, x)| n * x).sum::<f64>() / n_total;
    let ssb: f64 =
        m.n.iter()
            .zip(&m.mean)
            .map(|(n, x)| n * (x - grand).powi(2))
            .sum();
    let ssw: f64 = m.n.iter().zip(&m.var).map(|(n, v)| (n - 1.0) * v).sum();
    if ssw <= 0.0 {
        return Err(StatsError::Degenerate(
            "zero variance within every group: ANOVA F is undefined".into(),
        ));
    }
    let (dfb, dfw) = (k - 1.0, n_total - k);
    let f = (ssb / dfb) / (ssw / dfw);
    Ok(Anova {
        f,
        df_between: dfb,
        df_within: dfw,
        p: f_sf(f, dfb, dfw),
        eta_squared: ssb / (ssb + ssw),
    })
}

/// Welch's ANOVA of `groups` (each at least 2 values with non-zero variance).
pub fn welch_anova<G: AsRef<[f64]>>(groups: &[G]) -> Result<WelchAnova> {
    check_groups(groups)?;
    welch_from(&moments(groups))
}

pub(crate) fn welch_from(m: &Moments) -> Result<WelchAnova> {
    if let Some(i) = m.var.iter().position(|&v| v <= 0.0) {
        return Err(StatsError::Degenerate(format!(
            "group #{i} has zero variance: Welch's ANOVA needs every variance > 0"
        )));
    }
    let k = m.n.len() as f64;
    let w: Vec<f64> = m.n.iter().zip(&m.var).map(|(n, v)| n / v).collect();
    let sw: f64 = w.iter().sum();
    let mw = w.iter().zip(&m.mean).map(|(w, x)| w * x).sum::<f64>() / sw;
    let a = w
        .iter()
        .zip(&m.mean)
        .map(|(w, x)| w * (x - mw).powi(2))
        .sum::<f64>()
        / (k - 1.0);
    let tmp: f64 = w
        .iter()
        .zip(&m.n)
        .map(|(w, n)| (1.0 - w / sw).powi(2) / (n - 1.0))
        .sum();
    let b = 1.0 + 2.0 * (k - 2.0) / (k * k - 1.0) * tmp;
    let f = a / b;
    let df2 = (k * k - 1.0) / (3.0 * tmp);
    Ok(WelchAnova {
        f,
        df_between: k - 1.0,
        df_within: df2,
        p: f_sf(f, k - 1.0, df2),
    })
}

/// Levene's test of equal variances, centred on group means.
pub fn levene<G: AsRef<[f64]>>(groups: &[G]) -> Result<VarianceTest> {
    check_groups(groups)?;
    let centres: Vec<f64> = groups.iter().map(|g| mean_var(g.as_ref()).0).collect();
    deviation_anova(groups, &centres)
}

/// The Brown–Forsythe test: Levene's test centred on group medians
/// (robust to skewed and ordinal data such as 1–5 scores).
pub fn brown_forsythe<G: AsRef<[f64]>>(groups: &[G]) -> Result<VarianceTest> {
    check_groups(groups)?;
    let centres: Vec<f64> = groups.iter().map(|g| median(g.as_ref())).collect();
    deviation_anova(groups, &centres)
}

/// ANOVA F on absolute deviations from `centres`.
pub(crate) fn deviation_anova<G: AsRef<[f64]>>(
    groups: &[G],
    centres: &[f64],
) -> Result<VarianceTest> {
    let k = groups.len() as f64;
    let mut n = Vec::with_capacity(groups.len());
    let mut zbar = Vec::with_capacity(groups.len());
    let mut ssw = 0.0;
    for (g, &c) in groups.iter().zip(centres) {
        let g = g.as_ref();
        let len = g.len() as f64;
        let mean = g.iter().map(|x| (x - c).abs()).sum::<f64>() / len;
        ssw += g
            .iter()
            .map(|x| ((x - c).abs() - mean).powi(2))
            .sum::<f64>();
        n.push(len);
        zbar.push(mean);
    }
    let n_total: f64 = n.iter().sum();
    let grand = n.iter().zip(&zbar).map(|(n, z)| n * z).sum::<f64>() / n_total;
    let ssb: f64 = n
        .iter()
        .zip(&zbar)
        .map(|(n, z)| n * (z - grand).powi(2))
        .sum();
    if ssw <= 0.0 {
        return Err(StatsError::Degenerate(
            "absolute deviations are constant within every group: variance test is undefined"
                .into(),
        ));
    }
    let (dfb, dfw) = (k - 1.0, n_total - k);
    let w = (ssb / dfb) / (ssw / dfw);
    Ok(VarianceTest {
        w,
        p: f_sf(w, dfb, dfw),
    })
}

/// The Kruskal–Wallis H test with the usual tie correction.
///
/// Fails with [`StatsError::Degenerate`] when all values are equal.
pub fn kruskal_wallis<G: AsRef<[f64]>>(groups: &[G]) -> Result<KruskalWallis> {
    check_groups(groups)?;
    let ranked = rank_sums(groups);
    let n: f64 = groups.iter().map(|g| g.as_ref().len() as f64).sum();
    let s: f64 = ranked
        .rank_sums
        .iter()
        .zip(groups)
        .map(|(r, g)| r * r / g.as_ref().len() as f64)
        .sum();
    let h = 12.0 / (n * (n + 1.0)) * s - 3.0 * (n + 1.0);
    let c = 1.0 - ranked.tie_sum / (n * n * n - n);
    if c <= 0.0 {
        return Err(StatsError::Degenerate(
            "all values are equal: Kruskal-Wallis H is undefined".into(),
        ));
    }
    let h = (h / c).max(0.0);
    let df = groups.len() as f64 - 1.0;
    Ok(KruskalWallis {
        h,
        df,
        p: chi2_sf(h, df),
    })
}
