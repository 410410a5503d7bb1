//! Inter-annotator agreement (percent agreement, Fleiss' κ, Krippendorff's
//! α) and judge-versus-human agreement (weighted Cohen's κ, Spearman's ρ).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError, at_least, check_finite, same_len};
use crate::ranks::average_ranks;
use crate::special::t_two_sided;

/// A ratings matrix: items × raters, each cell an optional numeric label.
///
/// Build it with [`Ratings::from_rows`] or, from `(item, rater, label)`
/// records, with [`RatingsBuilder`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ratings {
    rows: Vec<Vec<Option<f64>>>,
    n_raters: usize,
}

impl Ratings {
    /// Ratings from one row per item (one cell per rater, `None` = missing).
    /// Rows must have the same length and values must be finite.
    pub fn from_rows(rows: Vec<Vec<Option<f64>>>) -> Result<Self> {
        let n_raters = rows.first().map_or(0, Vec::len);
        for (i, row) in rows.iter().enumerate() {
            if row.len() != n_raters {
                return Err(StatsError::InvalidArgument {
                    name: "rows",
                    value: i as f64,
                    expected: "every row to have one cell per rater",
                });
            }
            let vals: Vec<f64> = row.iter().flatten().copied().collect();
            check_finite(&format!("item #{i}"), &vals)?;
        }
        Ok(Self { rows, n_raters })
    }

    /// Number of items (rows).
    pub fn n_items(&self) -> usize {
        self.rows.len()
    }

    /// Number of raters (columns).
    pub fn n_raters(&self) -> usize {
        self.n_raters
    }

    /// The rows.
    pub fn rows(&self) -> &[Vec<Option<f64>>] {
        &self.rows
    }

    /// Whether every item has the same number (≥ 2) of ratings, as
    /// Fleiss' κ requires.
    pub fn is_complete(&self) -> bool {
        let mut counts = self.rows.iter().map(|r| r.iter().flatten().count());
        match counts.next() {
            Some(m) if m >= 2 => counts.all(|c| c == m),
            _ => false,
        }
    }

    /// Sorted distinct values among items with at least two ratings, and
    /// per-item category counts over them.
    fn pairable_counts(&self) -> (Vec<f64>, Vec<Vec<(usize, f64)>>) {
        let mut values: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| r.iter().flatten().count() >= 2)
            .flat_map(|r| r.iter().flatten().copied())
            .collect();
        values.sort_unstable_by(f64::total_cmp);
        values.dedup();
        let items = self
            .rows
            .iter()
            .filter(|r| r.iter().flatten().count() >= 2)
            .map(|r| {
                let mut c: Vec<(usize, f64)> = Vec::new();
                for v in r.iter().flatten() {
                    let idx = values.partition_point(|x| x < v);
                    match c.iter_mut().find(|(i, _)| *i == idx) {
                        Some(e) => e.1 += 1.0,
                        None => c.push((idx, 1.0)),
                    }
                }
                c
            })
            .collect();
        (values, items)
    }
}

/// Builds [`Ratings`] from `(item, rater, label)` records in any order.
#[derive(Debug, Default, Clone)]
pub struct RatingsBuilder {
    items: HashMap<String, usize>,
    raters: HashMap<String, usize>,
    cells: HashMap<(usize, usize), f64>,
    item_order: Vec<String>,
    rater_order: Vec<String>,
}

impl RatingsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record that `rater` gave `item` the label `value`. Fails on a
    /// non-finite value or a second label for the same (item, rater).
    pub fn add(&mut self, item: &str, rater: &str, value: f64) -> Result<()> {
        if !value.is_finite() {
            return Err(StatsError::NonFinite {
                what: format!("label of item {item:?} by rater {rater:?}"),
                index: self.cells.len(),
                value,
            });
        }
        let next_item = self.items.len();
        let i = *self.items.entry(item.to_owned()).or_insert_with(|| {
            self.item_order.push(item.to_owned());
            next_item
        });
        let next_rater = self.raters.len();
        let r = *self.raters.entry(rater.to_owned()).or_insert_with(|| {
            self.rater_order.push(rater.to_owned());
            next_rater
        });
        if self.cells.insert((i, r), value).is_some() {
            return Err(StatsError::InvalidArgument {
                name: "value",
                value,
                expected: "one label per (item, rater): this pair was already rated",
            });
        }
        Ok(())
    }

    /// Item ids in order of first appearance (the row order of `build`).
    pub fn item_ids(&self) -> &[String] {
        &self.item_order
    }

    /// Rater ids in order of first appearance (the column order of `build`).
    pub fn rater_ids(&self) -> &[String] {
        &self.rater_order
    }

    /// The ratings matrix.
    pub fn build(&self) -> Ratings {
        let mut rows = vec![vec![None; self.raters.len()]; self.items.len()];
        for (&(i, r), &v) in &self.cells {
            rows[i][r] = Some(v);
        }
        Ratings {
            rows,
            n_raters: self.raters.len(),
        }
    }
}

/// Mean over items with at least two ratings of the proportion of agreeing
/// rater pairs (exact label equality).
pub fn percent_agreement(r: &Ratings) -> Result<f64> {
    let (_, items) = r.pairable_counts();
    at_least("items with at least two ratings", 1, items.len())?;
    let sum: f64 = items
        .iter()
        .map(|c| {
            let m: f64 = c.iter().map(|(_, n)| n).sum();
            c.iter().map(|(_, n)| n * (n - 1.0)).sum::<f64>() / (m * (m - 1.0))
        })
        .sum();
    Ok(sum / items.len() as f64)
}

/// Fleiss' κ for a complete design (every item rated by the same number of
/// raters, at least 2; see [`Ratings::is_complete`]).
pub fn fleiss_kappa(r: &Ratings) -> Result<f64> {
    if !r.is_complete() {
        return Err(StatsError::InvalidArgument {
            name: "ratings",
            value: r.n_items() as f64,
            expected: "a complete design: every item with the same number (>= 2) of ratings",
        });
    }
    let (values, items) = r.pairable_counts();
    let m: f64 = items[0].iter().map(|(_, n)| n).sum();
    let n_items = items.len() as f64;
    let mut p_j = vec![0.0; values.len()];
    let mut p_bar = 0.0;
    for c in &items {
        for &(j, n) in c {
            p_j[j] += n;
        }
        p_bar += c.iter().map(|(_, n)| n * (n - 1.0)).sum::<f64>() / (m * (m - 1.0));
    }
    p_bar /= n_items;
    let pe: f64 = p_j.iter().map(|x| (x / (n_items * m)).powi(2)).sum();
    if pe >= 1.0 {
        return Err(StatsError::Degenerate(
            "every rating has the same label: Fleiss' kappa is undefined".into(),
        ));
    }
    Ok((p_bar - pe) / (1.0 - pe))
}

/// The distance metric of Krippendorff's α.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Metric {
    /// Labels are unordered categories.
    Nominal,
    /// Labels are ordered; distances from the ranks of the observed values.
    Ordinal,
    /// Labels are numbers; squared differences.
    Interval,
}

/// Krippendorff's α with the given metric. Missing ratings are allowed;
/// items with fewer than two ratings are not pairable and are ignored.
pub fn krippendorff_alpha(r: &Ratings, metric: Metric) -> Result<f64> {
    let (values, items) = r.pairable_counts();
    at_least("items with at least two ratings", 1, items.len())?;
    let v = values.len();
    // Coincidence matrix o[c][k].
    let mut o = vec![0.0; v * v];
    for c in &items {
        let m: f64 = c.iter().map(|(_, n)| n).sum();
        for &(i, ni) in c {
            for &(j, nj) in c {
                let pairs = if i == j { ni * (ni - 1.0) } else { ni * nj };
                o[i * v + j] += pairs / (m - 1.0);
            }
        }
    }
    let marg: Vec<f64> = (0..v).map(|i| o[i * v..(i + 1) * v].iter().sum()).collect();
    let n: f64 = marg.iter().sum();
    let mut cum = vec![0.0; v + 1];
    for i in 0..v {
        cum[i + 1] = cum[i] + marg[i];
    }
    let delta = |i: usize, j: usize| -> f64 {
        match metric {
            Metric::Nominal => f64::from(u8::from(i != j)),
            Metric::Interval => (values[i] - values[j]).powi(2),
            Metric::Ordinal => {
                let (a, b) = if i <= j { (i, j) } else { (j, i) };
                (cum[b + 1] - cum[a] - (marg[a] + marg[b]) / 2.0).powi(2)
            }
        }
    };
    let (mut d_o, mut d_e) = (0.0, 0.0);
    for i in 0..v {
        for j in 0..v {
            if i == j {
                continue;
            }
            let d = delta(i, j);
            d_o += o[i * v + j] * d;
            d_e += marg[i] * marg[j] * d;
        }
    }
    if d_e <= 0.0 {
        return Err(StatsError::Degenerate(
            "only one label value among pairable ratings: Krippendorff's alpha is undefined".into(),
        ));
    }
    Ok(1.0 - (n - 1.0) * d_o / d_e)
}

/// Krippendorff's α under the three metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KrippendorffAlphas {
    /// Nominal α.
    pub nominal: f64,
    /// Ordinal α (`None` when labels are categories without order).
    pub ordinal: Option<f64>,
    /// Interval α (`None` when labels are categories without order).
    pub interval: Option<f64>,
}

/// Agreement among annotators: the `assurai agreement --json` contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementSummary {
    /// Number of items.
    pub n_items: usize,
    /// Number of distinct raters.
    pub n_raters: usize,
    /// See [`percent_agreement`].
    pub percent_agreement: f64,
    /// Fleiss' κ; `None` when the number of raters per item differs.
    pub fleiss_kappa: Option<f64>,
    /// Krippendorff's α under each metric.
    pub krippendorff_alpha: KrippendorffAlphas,
}

/// All agreement statistics for numeric labels. With `ordered = false`
/// the labels are treated as unordered codes and the ordinal and interval
/// α are `None`.
///
/// ```
/// use assurai_stats::{Ratings, agreement_summary};
///
/// let r = Ratings::from_rows(vec![
///     vec![Some(5.0), Some(5.0), Some(4.0)],
///     vec![Some(1.0), Some(2.0), Some(1.0)],
///     vec![Some(3.0), Some(3.0), None],
/// ])?;
/// let s = agreement_summary(&r, true)?;
/// assert_eq!(s.fleiss_kappa, None); // item 3 has two ratings, not three
/// assert!(s.krippendorff_alpha.interval.unwrap() > 0.8);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn agreement_summary(r: &Ratings, ordered: bool) -> Result<AgreementSummary> {
    Ok(AgreementSummary {
        n_items: r.n_items(),
        n_raters: r.n_raters(),
        percent_agreement: percent_agreement(r)?,
        fleiss_kappa: if r.is_complete() {
            Some(fleiss_kappa(r)?)
        } else {
            None
        },
        krippendorff_alpha: KrippendorffAlphas {
            nominal: krippendorff_alpha(r, Metric::Nominal)?,
            ordinal: if ordered {
                Some(krippendorff_alpha(r, Metric::Ordinal)?)
            } else {
                None
            },
            interval: if ordered {
                Some(krippendorff_alpha(r, Metric::Interval)?)
            } else {
                None
            },
        },
    })
}

/// Quadratic-weighted Cohen's κ between two raters' numeric scores (for
/// example a judge and the human mean): `1 − Σ(a−b)² / E[(a−b′)²]` with the
/// expectation over independent marginals. For integer categories this is
/// exactly the usual weighted κ with weights `(i − j)²`; it is also defined
/// for non-integer scores such as a mean of three annotators.
pub fn quadratic_weighted_kappa(a: &[f64], b: &[f64]) -> Result<f64> {
    same_len("a", a, "b", b)?;
    at_least("pairs", 2, a.len())?;
    check_finite("a", a)?;
    check_finite("b", b)?;
    let n = a.len() as f64;
    let observed: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / n;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let va = a.iter().map(|x| (x - ma).powi(2)).sum::<f64>() / n;
    let vb = b.iter().map(|x| (x - mb).powi(2)).sum::<f64>() / n;
    let expected = va + vb + (ma - mb).powi(2);
    if expected <= 0.0 {
        return Err(StatsError::Degenerate(
            "both raters give one constant score: kappa is undefined".into(),
        ));
    }
    Ok(1.0 - observed / expected)
}

/// Spearman's rank correlation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spearman {
    /// ρ (Pearson correlation of average ranks).
    pub rho: f64,
    /// Two-sided p-value from `t = ρ sqrt((n−2)/(1−ρ²))` with n − 2 df (as SciPy).
    pub p: f64,
}

/// Spearman's ρ between paired values (ties get average ranks).
pub fn spearman(a: &[f64], b: &[f64]) -> Result<Spearman> {
    same_len("a", a, "b", b)?;
    at_least("pairs", 3, a.len())?;
    check_finite("a", a)?;
    check_finite("b", b)?;
    let (ra, rb) = (average_ranks(a), average_ranks(b));
    let n = a.len() as f64;
    let m = (n + 1.0) / 2.0;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - m) * (y - m);
        saa += (x - m).powi(2);
        sbb += (y - m).powi(2);
    }
    if saa <= 0.0 || sbb <= 0.0 {
        return Err(StatsError::Degenerate(
            "a constant input: Spearman's rho is undefined".into(),
        ));
    }
    let rho = (sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0);
    let df = n - 2.0;
    let p = if rho.abs() >= 1.0 {
        0.0
    } else {
        t_two_sided(rho * (df / ((1.0 - rho) * (1.0 + rho))).sqrt(), df)
    };
    Ok(Spearman { rho, p })
}
