//! Turning accumulated counts into the report's numbers. Every statistic
//! comes from `assurai-stats`; this module only chooses inputs and maps
//! results and errors.

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};

use super::build::{Accumulated, Cell, ModelAcc, PairTable};
use assurai_stats::GroupComparison;

use super::types::{
    Dimension, GroupRow, HumanAgreement, JudgeAgreement, ModelSummary, PairedComparison,
    REPORT_SCHEMA_VERSION, Report,
};

/// Confidence level of every interval in a report (the keys say `ci95`).
const LEVEL: f64 = 0.95;
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

pub(super) fn finish(acc: Accumulated) -> Result<Report> {
    let level = LEVEL;
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
    let mut judge_agreement_rows = Vec::new();
    let mut guards = Vec::new();
    let mut over_refusal = Vec::new();
    let mut worst_examples = Vec::new();
    let mut tokens = Vec::new();
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
        if let Some(a) = human_agreement(m, &mut notes) {
            agreement.push(a);
        }
        if let Some(a) = judge_agreement(m, &mut notes) {
            judge_agreement_rows.push(a);
        }
        guards.extend(super::guards::rows(&m.name, &m.guards, level, &mut notes));
        over_refusal.extend(super::over_refusal::row(
            &m.name,
            &m.over_refusal,
            level,
            &mut notes,
        ));
        worst_examples.extend(m.worst.iter().cloned());
        tokens.extend(super::tokens::rows(&m.name, &m.tokens));
    }
    let mut datasets: Vec<&str> = runs
        .iter()
        .filter_map(|r| r.dataset_sha256.as_deref())
        .collect();
    datasets.sort_unstable();
    datasets.dedup();
    if datasets.len() > 1 {
        notes.push(format!(
            "the runs used {} different datasets (SHA-256 {}): comparisons mix instances",
            datasets.len(),
            datasets
                .iter()
                .map(|d| d.get(..12).unwrap_or(d))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let comparison = comparison(&accs, &mut notes);
    let paired = paired(&accs, &pairs, &mut notes);
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
        judge_agreement: judge_agreement_rows,
        guards,
        over_refusal,
        tokens,
        worst_examples,
        notes,
        calibration: None,
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
        n_truncated: m.tokens.truncated,
        distribution: m.all.hist,
        corrected: None,
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
            corrected: None,
        });
    }
}

fn comparison(accs: &[ModelAcc], notes: &mut Vec<String>) -> Option<GroupComparison> {
    if accs.len() < 2 {
        return None;
    }
    let usable: Vec<&ModelAcc> = accs.iter().filter(|m| m.all.n_scored() >= 2).collect();
    for m in accs.iter().filter(|m| m.all.n_scored() < 2) {
        notes.push(format!(
            "comparison: model {} left out (fewer than 2 scored records)",
            m.name
        ));
    }
    if usable.len() < 2 {
        notes.push("comparison: fewer than two models with at least 2 scored records".into());
        return None;
    }
    let groups: Vec<(&str, Vec<f64>)> = usable
        .iter()
        .map(|m| (m.name.as_str(), expand(&m.all.hist)))
        .collect();
    match assurai_stats::compare_groups(&groups) {
        Ok(c) => Some(c),
        Err(e) => {
            notes.push(format!("comparison: {e}"));
            None
        }
    }
}

fn paired(accs: &[ModelAcc], table: &PairTable, notes: &mut Vec<String>) -> Vec<PairedComparison> {
    let k = table.n_models;
    let mut out = Vec::new();
    if k < 2 {
        return out;
    }
    for a in 0..k {
        for b in a + 1..k {
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
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
                xs.push(f64::from(sa));
                ys.push(f64::from(sb));
            }
            if xs.is_empty() {
                continue;
            }
            let (name_a, name_b) = (&accs[a].name, &accs[b].name);
            let mut note = |what: &str, e: assurai_stats::StatsError| {
                notes.push(format!("paired {name_a} vs {name_b}: {what}: {e}"));
            };
            let diffs: Vec<f64> = xs.iter().zip(&ys).map(|(x, y)| x - y).collect();
            let (mean_diff, mean_diff_ci95) = match diffs.len() {
                1 => (Some(diffs[0]), None),
                _ => match assurai_stats::describe(&diffs, LEVEL) {
                    Ok(s) => (Some(s.mean), Some(pair(s.ci))),
                    Err(e) => {
                        note("mean difference", e);
                        (None, None)
                    }
                },
            };
            let paired_t = if diffs.len() >= 2 {
                assurai_stats::paired_t_test(&xs, &ys)
                    .map_err(|e| note("paired t-test", e))
                    .ok()
            } else {
                None
            };
            let wilcoxon = if a_higher + b_higher > 0 {
                assurai_stats::wilcoxon_signed_rank(&xs, &ys)
                    .map_err(|e| note("Wilcoxon signed-rank", e))
                    .ok()
            } else {
                None
            };
            out.push(PairedComparison {
                a: name_a.clone(),
                b: name_b.clone(),
                n_shared: xs.len() as u64,
                mean_diff,
                mean_diff_ci95,
                paired_t,
                wilcoxon,
                a_higher,
                b_higher,
                ties,
            });
        }
    }
    out
}

fn human_agreement(m: &ModelAcc, notes: &mut Vec<String>) -> Option<HumanAgreement> {
    if m.human_pairs.is_empty() {
        return None;
    }
    let judge: Vec<f64> = m.human_pairs.iter().map(|p| p.0).collect();
    let human: Vec<f64> = m.human_pairs.iter().map(|p| p.1).collect();
    let mut note = |what: &str, e: assurai_stats::StatsError| {
        notes.push(format!("judge vs human for {}: {what}: {e}", m.name));
    };
    let mean_of = |xs: &[f64]| match xs.len() {
        1 => Some(xs[0]),
        _ => assurai_stats::describe(xs, LEVEL).ok().map(|s| s.mean),
    };
    let mae = assurai_stats::mean_absolute_error(&judge, &human)
        .map_err(|e| note("mean absolute error", e))
        .ok();
    let qwk = if judge.len() >= 2 {
        assurai_stats::quadratic_weighted_kappa(&judge, &human)
            .map_err(|e| note("weighted kappa", e))
            .ok()
    } else {
        None
    };
    let rho = if judge.len() >= 3 {
        assurai_stats::spearman(&judge, &human)
            .map_err(|e| note("Spearman", e))
            .ok()
    } else {
        None
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
        quadratic_weighted_kappa: qwk,
        spearman_rho: rho.map(|r| r.rho),
        spearman_p: rho.map(|r| r.p),
    })
}

fn judge_agreement(m: &ModelAcc, notes: &mut Vec<String>) -> Option<JudgeAgreement> {
    if m.judge_items == 0 {
        return None;
    }
    let k = m.judges.len();
    let mut rows = vec![vec![None; k]; m.judge_items as usize];
    for &(item, judge, score) in &m.judge_cells {
        if let Some(cell) = rows
            .get_mut(item as usize)
            .and_then(|r| r.get_mut(usize::from(judge)))
        {
            *cell = Some(f64::from(score));
        }
    }
    let summary = assurai_stats::Ratings::from_rows(rows)
        .and_then(|r| assurai_stats::agreement_summary(&r, true))
        .map_err(|e| notes.push(format!("judge agreement for {}: {e}", m.name)))
        .ok();
    Some(JudgeAgreement {
        model: m.name.clone(),
        judges: m.judges.clone(),
        n_items: u64::from(m.judge_items),
        summary,
    })
}
