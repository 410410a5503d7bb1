//! The full group comparison behind `assurai stats --json`.

use serde::{Deserialize, Serialize};

use crate::anova::{
    Anova, KruskalWallis, VarianceTest, WelchAnova, anova_from, brown_forsythe, kruskal_wallis,
    levene, moments, welch_from,
};
use crate::descriptive::{cv_percent, t_interval_from};
use crate::error::{Result, at_least, check_finite};
use crate::histogram::Histograms;
use crate::interval::Interval;
use crate::posthoc::tukey_from;

/// One group's descriptive row (paper Table 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// The group's name.
    pub group: String,
    /// Number of scores.
    pub n: usize,
    /// Mean score.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// `100 · sd / mean`; `None` when the mean is 0.
    pub cv_percent: Option<f64>,
    /// 95% t-interval for the mean.
    pub ci95: Interval,
}

/// One Tukey HSD pair by group name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TukeyRow {
    /// First group (earlier in input order).
    pub a: String,
    /// Second group.
    pub b: String,
    /// `mean(a) − mean(b)`.
    pub diff: f64,
    /// Simultaneous 95% confidence interval for `diff`.
    pub ci95: Interval,
    /// Tukey-adjusted p-value.
    pub p_adj: f64,
    /// Whether `p_adj < 0.05`.
    pub reject: bool,
}

/// Every group test of the paper's Tables 5 and 6 plus Tukey HSD, for
/// one grouping of scores. Serialises to the `assurai stats --json`
/// contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupComparison {
    /// Descriptive rows in input order.
    pub groups: Vec<GroupSummary>,
    /// Classic one-way ANOVA.
    pub anova: Anova,
    /// Welch's ANOVA.
    pub welch_anova: WelchAnova,
    /// Levene's test (mean-centred).
    pub levene: VarianceTest,
    /// Brown–Forsythe test (median-centred Levene).
    pub brown_forsythe: VarianceTest,
    /// Kruskal–Wallis H test.
    pub kruskal_wallis: KruskalWallis,
    /// Tukey HSD for every pair `a` before `b` in input order.
    pub tukey_hsd: Vec<TukeyRow>,
}

/// Run the whole comparison on named groups (in the order given; each
/// group needs at least 2 finite scores, and at least 2 groups).
///
/// When every score is an integer with a small span (1–5 ratings), one pass
/// counts values per group and every test is computed from the counts; the
/// results equal the individual functions' to rounding.
///
/// ```
/// let groups = [
///     ("model-a", vec![5.0, 4.0, 5.0, 4.0, 5.0]),
///     ("model-b", vec![3.0, 2.0, 3.0, 4.0, 2.0]),
///     ("model-c", vec![4.0, 4.0, 3.0, 5.0, 4.0]),
/// ];
/// let c = assurai_stats::compare_groups(&groups)?;
/// assert_eq!(c.tukey_hsd.len(), 3);
/// assert_eq!((c.tukey_hsd[0].a.as_str(), c.tukey_hsd[0].b.as_str()), ("model-a", "model-b"));
/// assert!(c.anova.p < 0.05);
/// # Ok::<(), assurai_stats::StatsError>(())
/// ```
pub fn compare_groups<S: AsRef<str>, G: AsRef<[f64]>>(
    groups: &[(S, G)],
) -> Result<GroupComparison> {
    at_least("groups", 2, groups.len())?;
    for (name, g) in groups {
        let what = format!("group {:?}", name.as_ref());
        at_least(what.clone(), 2, g.as_ref().len())?;
        check_finite(&what, g.as_ref())?;
    }
    let values: Vec<&[f64]> = groups.iter().map(|(_, g)| g.as_ref()).collect();
    let hist = Histograms::build(&values);
    let m = match &hist {
        Some(h) => h.moments(),
        None => moments(&values),
    };
    let summaries = groups
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            let sd = m.var[i].sqrt();
            let n = m.n[i] as usize;
            GroupSummary {
                group: name.as_ref().to_owned(),
                n,
                mean: m.mean[i],
                sd,
                cv_percent: cv_percent(m.mean[i], sd),
                ci95: t_interval_from(m.mean[i], sd / m.n[i].sqrt(), n, 0.95),
            }
        })
        .collect();
    let name = |i: usize| groups[i].0.as_ref().to_owned();
    let rn = |e| rename_group(e, groups);
    let tukey = tukey_from(&m, 0.95)
        .map_err(rn)?
        .into_iter()
        .map(|p| TukeyRow {
            a: name(p.a),
            b: name(p.b),
            diff: p.diff,
            ci95: p.ci,
            p_adj: p.p_adj,
            reject: p.reject,
        })
        .collect();
    Ok(GroupComparison {
        groups: summaries,
        anova: anova_from(&m).map_err(rn)?,
        welch_anova: welch_from(&m).map_err(rn)?,
        levene: match &hist {
            Some(h) => h.deviation_anova(&m.mean),
            None => levene(&values),
        }
        .map_err(rn)?,
        brown_forsythe: match &hist {
            Some(h) => {
                h.deviation_anova(&(0..values.len()).map(|g| h.median(g)).collect::<Vec<_>>())
            }
            None => brown_forsythe(&values),
        }
        .map_err(rn)?,
        kruskal_wallis: match &hist {
            Some(h) => h.kruskal_wallis(),
            None => kruskal_wallis(&values),
        }
        .map_err(rn)?,
        tukey_hsd: tukey,
    })
}

/// Replace `group #i` by the group's name in an error message.
fn rename_group<S: AsRef<str>, G>(e: crate::StatsError, groups: &[(S, G)]) -> crate::StatsError {
    match e {
        crate::StatsError::Degenerate(msg) => {
            let mut out = msg.clone();
            for (i, (name, _)) in groups.iter().enumerate().rev() {
                out = out.replace(
                    &format!("group #{i}"),
                    &format!("group {:?}", name.as_ref()),
                );
            }
            crate::StatsError::Degenerate(out)
        }
        other => other,
    }
}

/// Split `(key, score)` records into groups in order of first appearance
/// of each key (the grouping `assurai stats` uses).
///
/// ```
/// let g = assurai_stats::group_by_first_appearance([("b", 1.0), ("a", 2.0), ("b", 3.0)]);
/// assert_eq!(g, vec![("b".to_string(), vec![1.0, 3.0]), ("a".to_string(), vec![2.0])]);
/// ```
pub fn group_by_first_appearance<K, I>(records: I) -> Vec<(String, Vec<f64>)>
where
    K: AsRef<str>,
    I: IntoIterator<Item = (K, f64)>,
{
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    for (k, v) in records {
        let k = k.as_ref();
        match index.get(k) {
            Some(&i) => out[i].1.push(v),
            None => {
                index.insert(k.to_owned(), out.len());
                out.push((k.to_owned(), vec![v]));
            }
        }
    }
    out
}
