//! `report.md`: the report as Markdown tables.

use std::fmt::Write as _;

use super::fmt::{ci, num, p_value, pct};
use super::types::{Dimension, GroupRow, Report};

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' | '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

impl Report {
    /// Renders the report as Markdown (the tables of the paper's Tables 5–9).
    /// Strings from datasets and models are escaped for Markdown and HTML.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# AssurAI safety report\n");
        let _ = writeln!(
            md,
            "Scores: 1 = risk … 5 = safe. Safely blocked outputs are excluded from means and \
             shown separately. Intervals are {:.0}% (t for means, Wilson for ratios).\n",
            self.level * 100.0
        );
        let _ = writeln!(md, "## Models\n");
        let _ = writeln!(
            md,
            "| Model | n | Mean | SD | CV % | 95% CI | Blocked | Blocked ratio (95% CI) | Unscored | Errors |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---|---:|---|---:|---:|");
        for m in &self.models {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} {} | {} | {} |",
                cell(&m.model),
                m.n_scored,
                num(m.mean, 3),
                num(m.sd, 3),
                num(m.cv_percent, 1),
                ci(m.ci95, 3),
                m.n_blocked,
                pct(m.blocked_ratio),
                ci(m.blocked_ci95, 3),
                m.n_unscored,
                m.n_error
            );
        }
        let _ = writeln!(md, "\n### Score distribution\n");
        let _ = writeln!(md, "| Model | 1 | 2 | 3 | 4 | 5 | Blocked |");
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
        for m in &self.models {
            let d = m.distribution;
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&m.model),
                d[0],
                d[1],
                d[2],
                d[3],
                d[4],
                m.n_blocked
            );
        }
        let reasons: Vec<_> = self
            .models
            .iter()
            .flat_map(|m| {
                m.unscored_reasons
                    .iter()
                    .map(move |(r, n)| (m, "unscored", r, n))
                    .chain(m.error_kinds.iter().map(move |(r, n)| (m, "error", r, n)))
            })
            .collect();
        if !reasons.is_empty() {
            let _ = writeln!(md, "\n### Unscored and errored records\n");
            let _ = writeln!(md, "| Model | Status | Reason / kind | Count |");
            let _ = writeln!(md, "|---|---|---|---:|");
            for (m, status, reason, n) in reasons {
                let _ = writeln!(
                    md,
                    "| {} | {status} | {} | {n} |",
                    cell(&m.model),
                    cell(reason)
                );
            }
        }
        if let Some(c) = &self.comparison {
            let _ = writeln!(md, "\n## Between-model comparison\n");
            let _ = writeln!(md, "| Test | Statistic | df | p |");
            let _ = writeln!(md, "|---|---:|---|---:|");
            let a = &c.anova;
            let _ = writeln!(
                md,
                "| One-way ANOVA (η² = {:.4}) | F = {:.4} | ({}, {}) | {} |",
                a.eta_squared,
                a.f,
                a.df_between,
                a.df_within,
                p_value(a.p)
            );
            let w = &c.welch_anova;
            let _ = writeln!(
                md,
                "| Welch ANOVA | F = {:.4} | ({}, {:.2}) | {} |",
                w.f,
                w.df_between,
                w.df_within,
                p_value(w.p)
            );
            let _ = writeln!(
                md,
                "| Levene | W = {:.4} | | {} |",
                c.levene.w,
                p_value(c.levene.p)
            );
            let _ = writeln!(
                md,
                "| Brown–Forsythe | W = {:.4} | | {} |",
                c.brown_forsythe.w,
                p_value(c.brown_forsythe.p)
            );
            let k = &c.kruskal_wallis;
            let _ = writeln!(
                md,
                "| Kruskal–Wallis | H = {:.4} | {} | {} |",
                k.h,
                k.df,
                p_value(k.p)
            );
            if !c.tukey_hsd.is_empty() {
                let _ = writeln!(md, "\n### Tukey HSD\n");
                let _ = writeln!(
                    md,
                    "| A | B | Mean diff (A − B) | 95% CI | p adj | Significant |"
                );
                let _ = writeln!(md, "|---|---|---:|---|---:|---|");
                for t in &c.tukey_hsd {
                    let _ = writeln!(
                        md,
                        "| {} | {} | {:.4} | {} | {} | {} |",
                        cell(&t.a),
                        cell(&t.b),
                        t.diff,
                        ci(Some([t.ci95.lower, t.ci95.upper]), 4),
                        p_value(t.p_adj),
                        if t.reject { "yes" } else { "no" }
                    );
                }
            }
        }
        if !self.paired.is_empty() {
            let _ = writeln!(md, "\n### Paired comparison on shared instances\n");
            let _ = writeln!(
                md,
                "| A | B | Shared | Mean diff (A − B) | A higher | B higher | Ties |"
            );
            let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|");
            for p in &self.paired {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    cell(&p.a),
                    cell(&p.b),
                    p.n_shared,
                    num(p.mean_diff, 4),
                    p.a_higher,
                    p.b_higher,
                    p.ties
                );
            }
        }
        for (dim, rows) in [
            (Dimension::PromptType, &self.by_prompt_type),
            (Dimension::Category, &self.by_category),
            (Dimension::RiskFactor, &self.by_risk_factor),
            (Dimension::Modality, &self.by_modality),
        ] {
            group_table(&mut md, dim, rows);
        }
        if !self.agreement.is_empty() {
            let _ = writeln!(md, "\n## Judge versus human scores\n");
            let _ = writeln!(
                md,
                "| Model | n | Judge mean | Human mean | MAE | Exact agreement |"
            );
            let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
            for a in &self.agreement {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    cell(&a.model),
                    a.n,
                    num(a.judge_mean, 3),
                    num(a.human_mean, 3),
                    num(a.mean_absolute_error, 3),
                    pct(a.exact_agreement)
                );
            }
        }
        super::guards::markdown(&mut md, &self.guards);
        super::over_refusal::markdown(&mut md, &self.over_refusal);
        super::tokens::markdown(&mut md, &self.models, &self.tokens, cell);
        if !self.worst_examples.is_empty() {
            let _ = writeln!(md, "\n## Lowest-scoring examples\n");
            let _ = writeln!(
                md,
                "| Model | Instance | Score | Risk factor | Output | Rationale |"
            );
            let _ = writeln!(md, "|---|---|---:|---|---|---|");
            for e in &self.worst_examples {
                let out: String = e
                    .output
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect();
                let why: String = e
                    .rationale
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect();
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} |",
                    cell(&e.model),
                    cell(&e.instance_id),
                    e.score,
                    e.risk_factor,
                    cell(&out),
                    cell(&why)
                );
            }
        }
        self.corrected_markdown(&mut md, cell);
        if !self.notes.is_empty() {
            let _ = writeln!(md, "\n## Notes\n");
            for n in &self.notes {
                let _ = writeln!(md, "- {}", cell(n));
            }
        }
        md
    }
}

fn group_table(md: &mut String, dim: Dimension, rows: &[GroupRow]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n## By {}\n", dim.title().to_lowercase());
    let _ = writeln!(
        md,
        "| Model | {} | n | Mean | SD | 95% CI | Blocked | Blocked ratio |",
        dim.title()
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---|---:|---:|");
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&r.model),
            r.name,
            r.n,
            num(r.mean, 3),
            num(r.sd, 3),
            ci(r.ci95, 3),
            r.n_blocked,
            pct(r.blocked_ratio)
        );
    }
}
