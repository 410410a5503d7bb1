//! Turning accumulated counts into the report's numbers. Every statistic
//! comes from `assurai-stats`; this module only chooses inputs and maps
//! results and errors.

use std::collections::BTreeMap;

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};

use super::build::{Accumulated, Cell, ModelAcc, PairTable, ReportOptions};
use super::types::{
    AnovaResult, Comparison, ComparisonGroup, Dimension, GroupRow, HumanAgreement, KruskalResult,
    ModelSummary, PairedComparison, REPORT_SCHEMA_VERSION, Report, TukeyPair, VarianceResult,
    WelchResult,
};
use crate::error::Result;

/// The scores of a histogram as a sample (1.0 … 5.0), for the statistics
/// functions that take slices. At most one group is expanded at a time.
fn expand(hist: &[u64; 5]) -> Vec<f64> {
    let n: u64 = hist.iter().sum();
    let mut v = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    for (i, &c) in hist.iter().enumerate() {
        v.extend(std::iter::repeat_n(
            i as f64 + 1.0,
            usize::try_from(c).unwrap_or(0),
        ));
    }
    v
}

fn pair(i: assurai_stats::Interval) -> [f64; 2] {
    [i.lower, i.upper]
}

/// Descriptive numbers of one cell.
struct Desc {
    mean: Option<f64>,
    sd: Option<f64>,
    cv: Option<f64>,
    ci: Option<[f64; 2]>,
    median: Option<f64>,
}

fn describe_cell(cell: &Cell, level: f64, what: &str, notes: &mut Vec<String>) -> Desc {
    let n = cell.n_scored();
    match n {
        0 => Desc {
            mean: None,
            sd: None,
            cv: None,
            ci: None,
            median: None,
        },
        1 => {
            // One score: the mean is that score; no spread or interval.
            let only = cell
                .hist
                .iter()
                .position(|&c| c == 1)
                .map(|i| i as f64 + 1.0);
            Desc {
                mean: only,
                sd: None,
                cv: None,
                ci: None,
                median: only,
            }
        }
        _ => match assurai_stats::describe(&expand(&cell.hist), level) {
            Ok(s) => Desc {
                mean: Some(s.mean),
                sd: Some(s.sd),
                cv: s.cv_percent,
                ci: Some(pair(s.ci)),
                median: Some(s.median),
            },
            Err(e) => {
                notes.push(format!("{what}: {e}"));
                Desc {
                    mean: None,
                    sd: None,
                    cv: None,
                    ci: None,
                    median: None,
                }
            }
        },
    }
}

fn blocked_ratio(cell: &Cell) -> Option<f64> {
    let denom = cell.n_scored() + cell.blocked;
    (denom > 0).then(|| cell.blocked as f64 / denom as f64)
}

pub(super) fn finish(acc: Accumulated, options: &ReportOptions) -> Result<Report> {
    let level = options.level;
    let mut notes = Vec::new();
    let Accumulated {
        models: accs,
        pairs,
        runs,
    } = acc;

    let mut models = Vec::with_capacity(accs.len());
    let mut by_prompt_type = Vec::new();
    let mut by_risk_factor = Vec::new();
    let mut by_category = Vec::new();
    let mut by_modality = Vec::new();
    let mut agreement = Vec::new();
    let mut worst_examples = Vec::new();
    for m in &accs {
        models.push(model_summary(m, level, &mut notes));
        rows(
            m,
            Dimension::PromptType,
            &m.by_prompt_type,
            level,
            &mut by_prompt_type,
            &mut notes,
            |i| PromptType::ALL.get(i).map(|p| (p.id(), p.name())),
        );
        rows(
            m,
            Dimension::RiskFactor,
            &m.by_risk_factor,
            level,
            &mut by_risk_factor,
            &mut notes,
            |i| RiskFactor::ALL.get(i).map(|p| (p.id(), p.name())),
        );
        rows(
            m,
            Dimension::Category,
            &m.by_category,
            level,
            &mut by_category,
            &mut notes,
            |i| RiskCategory::ALL.get(i).map(|p| (p.id(), p.name())),
        );
        rows(
            m,
            Dimension::Modality,
            &m.by_modality,
            level,
            &mut by_modality,
            &mut notes,
            |i| Modality::ALL.get(i).map(|p| (p.id(), p.name())),
        );
        if let Some(a) = human_agreement(m, level, &mut notes) {
            agreement.push(a);
        }
        worst_examples.extend(m.worst.iter().cloned());
    }
    let comparison = comparison(&accs, level, &mut notes);
    let paired = paired(&accs, &pairs, level, &mut notes);
    Ok(Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool_version: format!("assurai-eval {}", env!("CARGO_PKG_VERSION")),
        level,
        runs,
        models,
        by_prompt_type,
        by_risk_factor,
        by_category,
        by_modality,
        comparison,
        paired,
        agreement,
        worst_examples,
        notes,
    })
}

fn model_summary(m: &ModelAcc, level: f64, notes: &mut Vec<String>) -> ModelSummary {
    let d = describe_cell(&m.all, level, &format!("model {}", m.name), notes);
    let denom = m.all.n_scored() + m.all.blocked;
    let blocked_ci = if denom > 0 {
        match assurai_stats::wilson_interval(m.all.blocked, denom, level) {
            Ok(i) => Some(pair(i)),
            Err(e) => {
                notes.push(format!("blocked ratio of {}: {e}", m.name));
                None
            }
        }
    } else {
        None
    };
    ModelSummary {
        model: m.name.clone(),
        n_scored: m.all.n_scored(),
        mean: d.mean,
        sd: d.sd,
        cv_percent: d.cv,
        ci95: d.ci,
        median: d.median,
        n_blocked: m.all.blocked,
        blocked_ratio: blocked_ratio(&m.all),
        blocked_ci95: blocked_ci,
        n_unscored: m.all.unscored,
        unscored_reasons: m.unscored_reasons.clone(),
        n_error: m.all.error,
        error_kinds: m.error_kinds.clone(),
        n_total: m.all.total(),
        distribution: m.all.hist,
    }
}

fn rows<'a>(
    m: &ModelAcc,
    dimension: Dimension,
    cells: &[Cell],
    level: f64,
    out: &mut Vec<GroupRow>,
    notes: &mut Vec<String>,
    name: impl Fn(usize) -> Option<(&'a str, &'a str)>,
) {
    for (i, cell) in cells.iter().enumerate() {
        if cell.total() == 0 {
            continue;
        }
        let Some((id, title)) = name(i) else { continue };
        let d = describe_cell(
            cell,
            level,
            &format!("{} {id} of {}", dimension.key(), m.name),
            notes,
        );
        out.push(GroupRow {
            dimension,
            model: m.name.clone(),
            id: id.to_owned(),
            name: title.to_owned(),
            n: cell.n_scored(),
            mean: d.mean,
            sd: d.sd,
            ci95: d.ci,
            n_blocked: cell.blocked,
            blocked_ratio: blocked_ratio(cell),
            n_unscored: cell.unscored,
            n_error: cell.error,
            distribution: cell.hist,
        });
    }
}

fn comparison(accs: &[ModelAcc], level: f64, notes: &mut Vec<String>) -> Option<Comparison> {
    if accs.len() < 2 {
        return None;
    }
    let usable: Vec<&ModelAcc> = accs.iter().filter(|m| m.all.n_scored() >= 2).collect();
    if usable.len() < 2 {
        notes.push("comparison: fewer than two models with at least 2 scored records".into());
        return None;
    }
    for m in accs.iter().filter(|m| m.all.n_scored() < 2) {
        notes.push(format!(
            "comparison: model {} left out (fewer than 2 scored records)",
            m.name
        ));
    }
    let samples: Vec<Vec<f64>> = usable.iter().map(|m| expand(&m.all.hist)).collect();
    let mut note = |what: &str, e: assurai_stats::StatsError| {
        notes.push(format!("comparison: {what}: {e}"));
    };
    let groups = usable
        .iter()
        .zip(&samples)
        .filter_map(|(m, xs)| match assurai_stats::describe(xs, level) {
            Ok(s) => Some(ComparisonGroup {
                group: m.name.clone(),
                n: m.all.n_scored(),
                mean: s.mean,
                sd: s.sd,
                cv_percent: s.cv_percent,
                ci95: pair(s.ci),
            }),
            Err(e) => {
                note(&m.name, e);
                None
            }
        })
        .collect();
    let anova = match assurai_stats::one_way_anova(&samples) {
        Ok(a) => Some(AnovaResult {
            f: a.f,
            df_between: a.df_between,
            df_within: a.df_within,
            p: a.p,
            eta_squared: a.eta_squared,
            omega_squared: a.omega_squared(),
        }),
        Err(e) => {
            note("anova", e);
            None
        }
    };
    let welch_anova = match assurai_stats::welch_anova(&samples) {
        Ok(a) => Some(WelchResult {
            f: a.f,
            df_between: a.df_between,
            df_within: a.df_within,
            p: a.p,
        }),
        Err(e) => {
            note("welch_anova", e);
            None
        }
    };
    let levene = match assurai_stats::levene(&samples) {
        Ok(t) => Some(VarianceResult { w: t.w, p: t.p }),
        Err(e) => {
            note("levene", e);
            None
        }
    };
    let brown_forsythe = match assurai_stats::brown_forsythe(&samples) {
        Ok(t) => Some(VarianceResult { w: t.w, p: t.p }),
        Err(e) => {
            note("brown_forsythe", e);
            None
        }
    };
    let kruskal_wallis = match assurai_stats::kruskal_wallis(&samples) {
        Ok(t) => Some(KruskalResult {
            h: t.h,
            df: t.df,
            p: t.p,
        }),
        Err(e) => {
            note("kruskal_wallis", e);
            None
        }
    };
    let tukey_hsd: Vec<TukeyPair> = Vec::new();
    notes.push("comparison: tukey_hsd: not yet exported by assurai-stats".into());
    Some(Comparison {
        groups,
        anova,
        welch_anova,
        levene,
        brown_forsythe,
        kruskal_wallis,
        tukey_hsd,
    })
}

fn paired(
    accs: &[ModelAcc],
    table: &PairTable,
    level: f64,
    notes: &mut Vec<String>,
) -> Vec<PairedComparison> {
    let k = table.n_models;
    let mut out = Vec::new();
    if k < 2 {
        return out;
    }
    for a in 0..k {
        for b in a + 1..k {
            let mut diffs = Vec::new();
            let (mut a_higher, mut b_higher, mut ties) = (0, 0, 0);
            for row in table.scores.chunks_exact(k) {
                let (sa, sb) = (row[a], row[b]);
                if sa == 0 || sb == 0 {
                    continue;
                }
                match sa.cmp(&sb) {
                    std::cmp::Ordering::Greater => a_higher += 1,
                    std::cmp::Ordering::Less => b_higher += 1,
                    std::cmp::Ordering::Equal => ties += 1,
                }
                diffs.push(f64::from(sa) - f64::from(sb));
            }
            if diffs.is_empty() {
                continue;
            }
            let (name_a, name_b) = (&accs[a].name, &accs[b].name);
            let mut paired_t = None;
            let mean_diff = match assurai_stats::describe(&diffs, level) {
                Ok(s) => {
                    let mut t = BTreeMap::new();
                    t.insert("mean_diff".to_owned(), s.mean);
                    t.insert("sd_diff".to_owned(), s.sd);
                    t.insert("ci95_lower".to_owned(), s.ci.lower);
                    t.insert("ci95_upper".to_owned(), s.ci.upper);
                    paired_t = Some(t);
                    Some(s.mean)
                }
                Err(e) => {
                    notes.push(format!("paired {name_a} vs {name_b}: {e}"));
                    (diffs.len() == 1).then(|| diffs[0])
                }
            };
            out.push(PairedComparison {
                a: name_a.clone(),
                b: name_b.clone(),
                n_shared: diffs.len() as u64,
                mean_diff,
                paired_t,
                wilcoxon: None,
                a_higher,
                b_higher,
                ties,
            });
        }
    }
    out
}

fn human_agreement(m: &ModelAcc, level: f64, notes: &mut Vec<String>) -> Option<HumanAgreement> {
    if m.human_pairs.is_empty() {
        return None;
    }
    let judge: Vec<f64> = m.human_pairs.iter().map(|p| p.0).collect();
    let human: Vec<f64> = m.human_pairs.iter().map(|p| p.1).collect();
    let mean_of = |xs: &[f64]| match xs.len() {
        1 => Some(xs[0]),
        _ => assurai_stats::describe(xs, level).ok().map(|s| s.mean),
    };
    let mae = match assurai_stats::mean_absolute_error(&judge, &human) {
        Ok(v) => Some(v),
        Err(e) => {
            notes.push(format!("agreement of {}: {e}", m.name));
            None
        }
    };
    let exact = m
        .human_pairs
        .iter()
        .filter(|(j, h)| (*j - h.round()).abs() < 0.5)
        .count();
    Some(HumanAgreement {
        model: m.name.clone(),
        n: m.human_pairs.len() as u64,
        judge_mean: mean_of(&judge),
        human_mean: mean_of(&human),
        mean_absolute_error: mae,
        exact_agreement: Some(exact as f64 / m.human_pairs.len() as f64),
        statistics: BTreeMap::new(),
    })
}
