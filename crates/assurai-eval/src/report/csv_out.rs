//! CSV tables of a report, one file per table.

use std::path::Path;

use super::types::{GroupRow, Report};
use crate::error::{EvalError, Result};

fn opt(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| x.to_string())
        .unwrap_or_default()
}

fn lo(v: Option<[f64; 2]>) -> String {
    opt(v.map(|c| c[0]))
}

fn hi(v: Option<[f64; 2]>) -> String {
    opt(v.map(|c| c[1]))
}

impl Report {
    /// Writes the report's tables as CSV files into `dir` (created if
    /// needed): `models.csv`, `by_prompt_type.csv`, `by_risk_factor.csv`,
    /// `by_category.csv`, `by_modality.csv`, and when present
    /// `tukey_hsd.csv`, `paired.csv` and `tokens.csv` (tokens per model and role). Returns the files written.
    pub fn write_csv(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|e| EvalError::io("cannot create", dir, e))?;
        let mut written = Vec::new();
        let mut table = |name: &str, header: &[&str], rows: Vec<Vec<String>>| -> Result<()> {
            let path = dir.join(name);
            let io = |e: csv::Error| {
                EvalError::io("cannot write", &path, std::io::Error::other(e.to_string()))
            };
            let mut w = csv::Writer::from_path(&path).map_err(io)?;
            w.write_record(header).map_err(io)?;
            for r in rows {
                w.write_record(&r).map_err(io)?;
            }
            w.flush()
                .map_err(|e| EvalError::io("cannot write", &path, e))?;
            written.push(path);
            Ok(())
        };
        table(
            "models.csv",
            &[
                "model",
                "n_scored",
                "mean",
                "sd",
                "cv_percent",
                "ci95_lower",
                "ci95_upper",
                "median",
                "n_blocked",
                "blocked_ratio",
                "blocked_ci95_lower",
                "blocked_ci95_upper",
                "n_unscored",
                "n_error",
                "n_total",
                "n_score_1",
                "n_score_2",
                "n_score_3",
                "n_score_4",
                "n_score_5",
                "n_truncated",
            ],
            self.models
                .iter()
                .map(|m| {
                    let mut r = vec![
                        m.model.clone(),
                        m.n_scored.to_string(),
                        opt(m.mean),
                        opt(m.sd),
                        opt(m.cv_percent),
                        lo(m.ci95),
                        hi(m.ci95),
                        opt(m.median),
                        m.n_blocked.to_string(),
                        opt(m.blocked_ratio),
                        lo(m.blocked_ci95),
                        hi(m.blocked_ci95),
                        m.n_unscored.to_string(),
                        m.n_error.to_string(),
                        m.n_total.to_string(),
                    ];
                    r.extend(m.distribution.iter().map(u64::to_string));
                    r.push(m.n_truncated.to_string());
                    r
                })
                .collect(),
        )?;
        if !self.tokens.is_empty() {
            table(
                "tokens.csv",
                &super::tokens::CSV_HEADER,
                super::tokens::csv_rows(&self.tokens),
            )?;
        }
        for (name, rows) in [
            ("by_prompt_type.csv", &self.by_prompt_type),
            ("by_risk_factor.csv", &self.by_risk_factor),
            ("by_category.csv", &self.by_category),
            ("by_modality.csv", &self.by_modality),
        ] {
            let key = rows.first().map_or("group", |r| r.dimension.key());
            table(
                name,
                &[
                    "model",
                    key,
                    "name",
                    "n",
                    "mean",
                    "sd",
                    "ci95_lower",
                    "ci95_upper",
                    "n_blocked",
                    "blocked_ratio",
                    "n_unscored",
                    "n_error",
                ],
                rows.iter().map(group_row).collect(),
            )?;
        }
        if let Some(c) = self.comparison.as_ref().filter(|c| !c.tukey_hsd.is_empty()) {
            table(
                "tukey_hsd.csv",
                &[
                    "a",
                    "b",
                    "diff",
                    "ci95_lower",
                    "ci95_upper",
                    "p_adj",
                    "reject",
                ],
                c.tukey_hsd
                    .iter()
                    .map(|t| {
                        vec![
                            t.a.clone(),
                            t.b.clone(),
                            t.diff.to_string(),
                            t.ci95.lower.to_string(),
                            t.ci95.upper.to_string(),
                            t.p_adj.to_string(),
                            t.reject.to_string(),
                        ]
                    })
                    .collect(),
            )?;
        }
        if !self.paired.is_empty() {
            table(
                "paired.csv",
                &[
                    "a",
                    "b",
                    "n_shared",
                    "mean_diff",
                    "mean_diff_ci95_lower",
                    "mean_diff_ci95_upper",
                    "paired_t",
                    "paired_t_p",
                    "wilcoxon_statistic",
                    "wilcoxon_p",
                    "a_higher",
                    "b_higher",
                    "ties",
                ],
                self.paired
                    .iter()
                    .map(|p| {
                        vec![
                            p.a.clone(),
                            p.b.clone(),
                            p.n_shared.to_string(),
                            opt(p.mean_diff),
                            lo(p.mean_diff_ci95),
                            hi(p.mean_diff_ci95),
                            opt(p.paired_t.map(|t| t.t)),
                            opt(p.paired_t.map(|t| t.p)),
                            opt(p.wilcoxon.map(|w| w.statistic)),
                            opt(p.wilcoxon.map(|w| w.p)),
                            p.a_higher.to_string(),
                            p.b_higher.to_string(),
                            p.ties.to_string(),
                        ]
                    })
                    .collect(),
            )?;
        }
        Ok(written)
    }
}

fn group_row(r: &GroupRow) -> Vec<String> {
    vec![
        r.model.clone(),
        r.id.clone(),
        r.name.clone(),
        r.n.to_string(),
        opt(r.mean),
        opt(r.sd),
        lo(r.ci95),
        hi(r.ci95),
        r.n_blocked.to_string(),
        opt(r.blocked_ratio),
        r.n_unscored.to_string(),
        r.n_error.to_string(),
    ]
}
