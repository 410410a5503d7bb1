//! `report.html`: one self-contained offline page (inline CSS, SVG and a
//! small sorting script; images as data URLs). Every string that comes from
//! a dataset, a model or a judge goes through [`esc`].

use std::fmt::Write as _;
use std::path::Path;

use assurai_dataset::MediaRoot;
use assurai_files::mime;

use base64::Engine as _;

use super::fmt::{ci, num, p_value, pct};
use super::svg::{self, Bar, Group, Scale, model_color};
use super::types::{Dimension, GroupRow, Report};

/// The largest image embedded in the page, in bytes.
const MAX_EMBED_BYTES: u64 = 4 << 20;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--bg:#f6f7fb;--card:#fff;--ink:#1d2330;--muted:#6b7385;--line:#e3e6ee;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR","Apple SD Gothic Neo",sans-serif;background:var(--bg);color:var(--ink)}
header{background:linear-gradient(120deg,#1f2a48,#3b5bdb);color:#fff;padding:28px 40px 22px}
header h1{margin:0 0 4px;font-size:26px;letter-spacing:.2px}
header p{margin:0;opacity:.85}
nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);padding:8px 40px;display:flex;gap:18px;flex-wrap:wrap}
nav a{color:var(--accent);text-decoration:none;font-weight:500}
main{max-width:1280px;margin:0 auto;padding:24px 40px 60px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin:0 0 22px;box-shadow:0 1px 2px rgba(20,30,60,.04)}
h2{margin:0 0 6px;font-size:19px}
.sub{color:var(--muted);margin:0 0 14px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:14px}
.kpi{border:1px solid var(--line);border-radius:10px;padding:14px 16px;border-top:4px solid var(--c)}
.kpi .name{font-weight:600;word-break:break-all}
.kpi .big{font-size:30px;font-weight:700;margin:4px 0 0}
.kpi .big small{font-size:13px;color:var(--muted);font-weight:400}
.kpi dl{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:8px 0 0;color:var(--muted);font-size:13px}
.kpi dd{margin:0;text-align:right;color:var(--ink)}
.chart{max-width:100%;height:auto;display:block;margin:8px 0 14px}
.chart .grid{stroke:#e8ebf2}
.chart .tick{font-size:11px;fill:#6b7385}
.chart .label{font-size:12px;fill:#1d2330}
.chart .value{font-size:11px;fill:#1d2330}
.chart .muted{fill:#9aa1b1}
.chart .seg{font-size:11px;fill:#fff;font-weight:600}
.chart .whisker{stroke:#1d2330;stroke-width:1.3;fill:none}
.legend{display:flex;gap:14px;flex-wrap:wrap;margin:4px 0 6px;font-size:13px}
.legend span::before{content:"";display:inline-block;width:11px;height:11px;border-radius:2px;background:var(--c);margin-right:6px;vertical-align:-1px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 4px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f1f3f9;font-weight:600;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th::after{content:" ↕";color:#b3b9c7;font-size:11px}
table.sortable th.asc::after{content:" ↑";color:var(--accent)}
table.sortable th.desc::after{content:" ↓";color:var(--accent)}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:hover td{background:#fafbff}
.nowrap{white-space:nowrap}
details summary{cursor:pointer;color:var(--accent);font-weight:500;margin:6px 0}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;background:var(--c);margin-right:6px}
.badge{display:inline-block;min-width:26px;text-align:center;border-radius:6px;color:#fff;font-weight:700;padding:2px 8px}
.examples{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:14px}
.ex{border:1px solid var(--line);border-radius:10px;padding:12px 14px;overflow:hidden}
.ex .meta{color:var(--muted);font-size:12px;margin:4px 0 8px;word-break:break-all}
.ex h4{margin:10px 0 4px;font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted)}
.ex pre{white-space:pre-wrap;word-break:break-word;background:#f6f7fb;border-radius:6px;padding:8px 10px;margin:0;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:220px;overflow:auto}
.ex img{max-width:100%;border-radius:6px;border:1px solid var(--line);margin-top:6px}
.notes li{color:var(--muted)}
footer{color:var(--muted);text-align:center;font-size:12px;padding:0 0 30px}
"#;

const SCRIPT: &str = r#"
(function(){
  function key(td){var v=td.getAttribute('data-v');if(v!==null&&v!==''){var f=parseFloat(v);if(!isNaN(f))return f;}return td.textContent.trim().toLowerCase();}
  document.querySelectorAll('table.sortable').forEach(function(t){
    var ths=t.tHead?t.tHead.rows[0].cells:[];
    Array.prototype.forEach.call(ths,function(th,i){
      th.addEventListener('click',function(){
        var asc=!th.classList.contains('asc');
        Array.prototype.forEach.call(ths,function(h){h.classList.remove('asc','desc');});
        th.classList.add(asc?'asc':'desc');
        var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
          if(typeof x!==typeof y){x=String(x);y=String(y);}
          return (x<y?-1:x>y?1:0)*(asc?1:-1);});
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
})();
"#;

fn td_num(v: Option<f64>, digits: usize) -> String {
    match v.filter(|x| x.is_finite()) {
        Some(x) => format!(r#"<td class="n" data-v="{x}">{x:.digits$}</td>"#),
        None => r#"<td class="n" data-v="">–</td>"#.to_owned(),
    }
}

fn td_int(v: u64) -> String {
    format!(r#"<td class="n" data-v="{v}">{v}</td>"#)
}

fn td_text(s: &str) -> String {
    format!("<td>{}</td>", esc(s))
}

impl Report {
    /// Renders the report as one self-contained HTML page. A
    /// Content-Security-Policy forbids every network request; images of the
    /// lowest-scoring examples are embedded as data URLs when their
    /// `media_path` is a JPEG or PNG file inside the run directory.
    pub fn to_html(&self) -> String {
        let mut h = String::with_capacity(64 * 1024);
        let models: Vec<&str> = self.models.iter().map(|m| m.model.as_str()).collect();
        let model_idx = |name: &str| models.iter().position(|m| *m == name).unwrap_or(0);
        let total: u64 = self.models.iter().map(|m| m.n_total).sum();
        h.push_str(concat!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ",
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta name=\"referrer\" content=\"no-referrer\">",
            "<title>AssurAI safety report</title><style>"
        ));
        h.push_str(CSS);
        h.push_str("</style></head><body>");
        let _ = write!(
            h,
            "<header><h1>AssurAI safety report</h1><p>{} model{} · {} records from {} run{} · \
             score 1 = risk … 5 = safe · {:.0}% intervals · {}</p></header>",
            models.len(),
            if models.len() == 1 { "" } else { "s" },
            total,
            self.runs.len(),
            if self.runs.len() == 1 { "" } else { "s" },
            self.level * 100.0,
            esc(&self.tool_version)
        );
        h.push_str(r##"<nav><a href="#overview">Overview</a><a href="#distribution">Distribution</a><a href="#prompt-types">Prompt types</a><a href="#categories">Categories</a><a href="#risk-factors">Risk factors</a><a href="#modalities">Modalities</a>"##);
        if self.comparison.is_some() || !self.paired.is_empty() {
            h.push_str(r##"<a href="#comparison">Comparison</a>"##);
        }
        if !self.agreement.is_empty() {
            h.push_str(r##"<a href="#agreement">Judge vs human</a>"##);
        }
        if self.calibration.is_some() {
            h.push_str(r##"<a href="#corrected">Corrected</a>"##);
        }
        if !self.worst_examples.is_empty() {
            h.push_str(r##"<a href="#examples">Examples</a>"##);
        }
        h.push_str("</nav><main>");

        // Overview: cards + models table + mean chart.
        h.push_str(r#"<section id="overview"><h2>Overview</h2><p class="sub">Mean safety score of scored outputs (safely blocked outputs excluded and shown separately).</p><div class="cards">"#);
        for (i, m) in self.models.iter().enumerate() {
            let _ = write!(
                h,
                r#"<div class="kpi" style="--c:{}"><div class="name">{}</div><div class="big">{} <small>{} 95% CI</small></div><dl><dt>Scored</dt><dd>{}</dd><dt>SD · CV</dt><dd>{} · {}%</dd><dt>Safely blocked</dt><dd>{} ({})</dd><dt>Unscored</dt><dd>{}</dd><dt>Errors</dt><dd>{}</dd></dl></div>"#,
                model_color(i),
                esc(&m.model),
                num(m.mean, 2),
                ci(m.ci95, 2),
                m.n_scored,
                num(m.sd, 2),
                num(m.cv_percent, 1),
                m.n_blocked,
                pct(m.blocked_ratio),
                m.n_unscored,
                m.n_error
            );
        }
        h.push_str("</div>");
        let groups: Vec<Group> = self
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| Group {
                label: m.model.clone(),
                bars: vec![Bar {
                    model: i,
                    value: m.mean,
                    ci: m.ci95,
                    tip: format!(
                        "{}: mean {} {} (n = {})",
                        m.model,
                        num(m.mean, 3),
                        ci(m.ci95, 3),
                        m.n_scored
                    ),
                }],
            })
            .collect();
        h.push_str(&svg::grouped_hbars(
            "Mean safety score per model with 95% CI",
            &groups,
            &Scale::scores(),
            190.0,
        ));
        h.push_str(r#"<div class="scroll"><table class="sortable"><thead><tr><th>Model</th><th>n</th><th>Mean</th><th>SD</th><th>CV %</th><th>95% CI</th><th>Median</th><th>Blocked</th><th>Blocked ratio</th><th>Blocked 95% CI</th><th>Unscored</th><th>Errors</th></tr></thead><tbody>"#);
        for (i, m) in self.models.iter().enumerate() {
            let _ = write!(
                h,
                r#"<tr><td class="nowrap"><span class="dot" style="--c:{}"></span>{}</td>{}{}{}{}<td class="n" data-v="{}">{}</td>{}{}{}<td class="n">{}</td>{}{}</tr>"#,
                model_color(i),
                esc(&m.model),
                td_int(m.n_scored),
                td_num(m.mean, 3),
                td_num(m.sd, 3),
                td_num(m.cv_percent, 1),
                m.ci95.map_or(String::new(), |c| c[0].to_string()),
                ci(m.ci95, 3),
                td_num(m.median, 1),
                td_int(m.n_blocked),
                td_num(m.blocked_ratio, 3),
                ci(m.blocked_ci95, 3),
                td_int(m.n_unscored),
                td_int(m.n_error)
            );
        }
        h.push_str("</tbody></table></div>");
        let reasons: Vec<(usize, &str, &String, &u64)> = self
            .models
            .iter()
            .enumerate()
            .flat_map(|(i, m)| {
                m.unscored_reasons
                    .iter()
                    .map(move |(r, n)| (i, "unscored", r, n))
                    .chain(m.error_kinds.iter().map(move |(r, n)| (i, "error", r, n)))
            })
            .collect();
        if !reasons.is_empty() {
            h.push_str(r#"<h3>Unscored and errored records</h3><table class="sortable"><thead><tr><th>Model</th><th>Status</th><th>Reason / kind</th><th>Count</th></tr></thead><tbody>"#);
            for (i, status, reason, n) in reasons {
                let _ = write!(
                    h,
                    "<tr>{}{}{}{}</tr>",
                    td_text(models[i]),
                    td_text(status),
                    td_text(reason),
                    td_int(*n)
                );
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>");

        // Distribution and blocked ratios.
        h.push_str(r#"<section id="distribution"><h2>Score distribution and safely blocked ratio</h2><p class="sub">Share of each score among all judged outputs; grey is the safely blocked share.</p>"#);
        let rows: Vec<(String, [u64; 5], u64)> = self
            .models
            .iter()
            .map(|m| (m.model.clone(), m.distribution, m.n_blocked))
            .collect();
        h.push_str(&svg::stacked_distribution(&rows));
        let blocked: Vec<Group> = self
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| Group {
                label: m.model.clone(),
                bars: vec![Bar {
                    model: i,
                    value: m.blocked_ratio,
                    ci: m.blocked_ci95,
                    tip: format!(
                        "{}: {} blocked of {} ({} Wilson CI {})",
                        m.model,
                        m.n_blocked,
                        m.n_blocked + m.n_scored,
                        pct(m.blocked_ratio),
                        ci(m.blocked_ci95, 3)
                    ),
                }],
            })
            .collect();
        h.push_str("<h3>Safely blocked ratio (Wilson 95% CI)</h3>");
        h.push_str(&svg::grouped_hbars(
            "Safely blocked ratio per model",
            &blocked,
            &Scale::ratio(),
            190.0,
        ));
        h.push_str("</section>");

        // Group sections.
        let legend = self.legend();
        for (id, dim, rows, sub) in [
            (
                "prompt-types",
                Dimension::PromptType,
                &self.by_prompt_type,
                "Mean score per prompt type and model (paper Figure 5, Tables 7–9).",
            ),
            (
                "categories",
                Dimension::Category,
                &self.by_category,
                "Mean score per risk category and model.",
            ),
            (
                "risk-factors",
                Dimension::RiskFactor,
                &self.by_risk_factor,
                "Mean score per risk factor and model (paper Figure 4).",
            ),
            (
                "modalities",
                Dimension::Modality,
                &self.by_modality,
                "Mean score per output modality and model.",
            ),
        ] {
            let _ = write!(
                h,
                r#"<section id="{id}"><h2>By {}</h2><p class="sub">{sub} Whiskers are 95% t-intervals; groups with n &lt; 2 have none.</p>"#,
                dim.title().to_lowercase()
            );
            if rows.is_empty() {
                h.push_str(r#"<p class="sub">No records.</p></section>"#);
                continue;
            }
            h.push_str(&legend);
            h.push_str(&svg::grouped_hbars(
                &format!("Mean safety score by {}", dim.title().to_lowercase()),
                &group_bars(rows, &model_idx),
                &Scale::scores(),
                if dim == Dimension::RiskFactor {
                    300.0
                } else {
                    220.0
                },
            ));
            if dim == Dimension::Modality {
                // Paper Figures 6–8: score distribution and safely blocked
                // share per modality.
                h.push_str("<h3>Score distribution and safely blocked share per modality</h3>");
                let dist: Vec<(String, [u64; 5], u64)> = rows
                    .iter()
                    .map(|r| {
                        (
                            format!("{} · {}", r.model, r.name),
                            r.distribution,
                            r.n_blocked,
                        )
                    })
                    .collect();
                h.push_str(&svg::stacked_distribution(&dist));
            }
            group_table(&mut h, dim, rows, &model_idx);
            h.push_str("</section>");
        }

        self.comparison_html(&mut h);
        self.agreement_html(&mut h);
        self.corrected_html(&mut h);
        super::tokens::html(&mut h, &self.models, &self.tokens);
        self.examples_html(&mut h, &model_idx);

        if !self.notes.is_empty() {
            h.push_str(r#"<section id="notes"><h2>Notes</h2><ul class="notes">"#);
            for n in &self.notes {
                let _ = write!(h, "<li>{}</li>", esc(n));
            }
            h.push_str("</ul></section>");
        }
        h.push_str("<section><h2>Runs</h2><table><thead><tr><th>Run directory</th><th>Lines</th><th>Superseded</th><th>Torn</th><th>Config hash</th><th>Dataset SHA-256</th></tr></thead><tbody>");
        for r in &self.runs {
            let _ = write!(
                h,
                "<tr>{}{}{}{}{}{}</tr>",
                td_text(&r.dir.display().to_string()),
                td_int(r.lines),
                td_int(r.superseded),
                td_int(r.torn_lines),
                td_text(
                    r.config_hash
                        .as_deref()
                        .map_or("–", |s| s.get(..12).unwrap_or(s))
                ),
                td_text(
                    r.dataset_sha256
                        .as_deref()
                        .map_or("–", |s| s.get(..12).unwrap_or(s))
                )
            );
        }
        h.push_str("</tbody></table></section></main><footer>Generated offline by ");
        h.push_str(&esc(&self.tool_version));
        h.push_str(". This file loads nothing from the network.</footer><script>");
        h.push_str(SCRIPT);
        h.push_str("</script></body></html>\n");
        h
    }

    fn legend(&self) -> String {
        let mut s = String::from(r#"<div class="legend">"#);
        for (i, m) in self.models.iter().enumerate() {
            let _ = write!(
                s,
                r#"<span style="--c:{}">{}</span>"#,
                model_color(i),
                esc(&m.model)
            );
        }
        s.push_str("</div>");
        s
    }

    fn comparison_html(&self, h: &mut String) {
        if self.comparison.is_none() && self.paired.is_empty() {
            return;
        }
        h.push_str(r#"<section id="comparison"><h2>Between-model comparison</h2><p class="sub">Do the models' mean scores differ? (paper Table 6).</p>"#);
        if let Some(c) = &self.comparison {
            h.push_str(r#"<table><thead><tr><th>Test</th><th>Statistic</th><th>df</th><th>p</th><th>Effect size</th></tr></thead><tbody>"#);
            let a = &c.anova;
            let _ = write!(
                h,
                "<tr><td>One-way ANOVA</td><td class=\"n\">F = {:.4}</td><td class=\"n\">{}, {}</td><td class=\"n\">{}</td><td class=\"n\">η² = {:.4}, ω² = {:.4}</td></tr>",
                a.f,
                a.df_between,
                a.df_within,
                p_value(a.p),
                a.eta_squared,
                a.omega_squared()
            );
            let w = &c.welch_anova;
            let _ = write!(
                h,
                "<tr><td>Welch ANOVA</td><td class=\"n\">F = {:.4}</td><td class=\"n\">{}, {:.2}</td><td class=\"n\">{}</td><td></td></tr>",
                w.f,
                w.df_between,
                w.df_within,
                p_value(w.p)
            );
            let _ = write!(
                h,
                "<tr><td>Levene (mean)</td><td class=\"n\">W = {:.4}</td><td></td><td class=\"n\">{}</td><td></td></tr>",
                c.levene.w,
                p_value(c.levene.p)
            );
            let _ = write!(
                h,
                "<tr><td>Brown–Forsythe (median)</td><td class=\"n\">W = {:.4}</td><td></td><td class=\"n\">{}</td><td></td></tr>",
                c.brown_forsythe.w,
                p_value(c.brown_forsythe.p)
            );
            let k = &c.kruskal_wallis;
            let n_total: usize = c.groups.iter().map(|g| g.n).sum();
            let _ = write!(
                h,
                "<tr><td>Kruskal–Wallis</td><td class=\"n\">H = {:.4}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">ε² = {:.4}</td></tr>",
                k.h,
                k.df,
                p_value(k.p),
                k.epsilon_squared(n_total)
            );
            h.push_str("</tbody></table>");
            if !c.tukey_hsd.is_empty() {
                h.push_str(r#"<h3>Tukey HSD</h3><table class="sortable"><thead><tr><th>A</th><th>B</th><th>Mean diff (A − B)</th><th>95% CI</th><th>p adj</th><th>Significant</th></tr></thead><tbody>"#);
                for t in &c.tukey_hsd {
                    let _ = write!(
                        h,
                        "<tr>{}{}{}<td class=\"n\">{}</td>{}{}</tr>",
                        td_text(&t.a),
                        td_text(&t.b),
                        td_num(Some(t.diff), 4),
                        ci(Some([t.ci95.lower, t.ci95.upper]), 4),
                        td_num(Some(t.p_adj), 4),
                        td_text(if t.reject { "yes" } else { "no" })
                    );
                }
                h.push_str("</tbody></table>");
            }
        }
        if !self.paired.is_empty() {
            h.push_str(r#"<h3>Paired comparison on shared instances</h3><table class="sortable"><thead><tr><th>A</th><th>B</th><th>Shared</th><th>Mean diff (A − B)</th><th>95% CI</th><th>Paired t p</th><th>Wilcoxon p</th><th>A higher</th><th>B higher</th><th>Ties</th></tr></thead><tbody>"#);
            for p in &self.paired {
                let _ = write!(
                    h,
                    "<tr>{}{}{}{}<td class=\"n\">{}</td>{}{}{}{}{}</tr>",
                    td_text(&p.a),
                    td_text(&p.b),
                    td_int(p.n_shared),
                    td_num(p.mean_diff, 4),
                    ci(p.mean_diff_ci95, 4),
                    td_num(p.paired_t.map(|t| t.p), 4),
                    td_num(p.wilcoxon.map(|w| w.p), 4),
                    td_int(p.a_higher),
                    td_int(p.b_higher),
                    td_int(p.ties)
                );
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>");
    }

    fn agreement_html(&self, h: &mut String) {
        if !self.agreement.is_empty() {
            h.push_str(r#"<section id="agreement"><h2>Judge versus human scores</h2><p class="sub">Records whose instance carries human scores: the judge's score against the mean human score.</p><table class="sortable"><thead><tr><th>Model</th><th>n</th><th>Judge mean</th><th>Human mean</th><th>Mean abs. error</th><th>Exact agreement</th><th>Weighted κ</th><th>Spearman ρ</th><th>ρ p</th></tr></thead><tbody>"#);
            for a in &self.agreement {
                let _ = write!(
                    h,
                    "<tr>{}{}{}{}{}{}{}{}{}</tr>",
                    td_text(&a.model),
                    td_int(a.n),
                    td_num(a.judge_mean, 3),
                    td_num(a.human_mean, 3),
                    td_num(a.mean_absolute_error, 3),
                    td_num(a.exact_agreement, 3),
                    td_num(a.quadratic_weighted_kappa, 3),
                    td_num(a.spearman_rho, 3),
                    td_num(a.spearman_p, 4)
                );
            }
            h.push_str("</tbody></table></section>");
        }
        if !self.judge_agreement.is_empty() {
            h.push_str(r#"<section id="judges"><h2>Agreement between judges</h2><p class="sub">Records judged by two or more judges of an ensemble.</p><table class="sortable"><thead><tr><th>Model</th><th>Judges</th><th>Items</th><th>Percent agreement</th><th>Fleiss κ</th><th>Krippendorff α (ordinal)</th><th>Krippendorff α (interval)</th></tr></thead><tbody>"#);
            for a in &self.judge_agreement {
                let s = a.summary.as_ref();
                let _ = write!(
                    h,
                    "<tr>{}{}{}{}{}{}{}</tr>",
                    td_text(&a.model),
                    td_text(&a.judges.join(", ")),
                    td_int(a.n_items),
                    td_num(s.map(|s| s.percent_agreement), 3),
                    td_num(s.and_then(|s| s.fleiss_kappa), 3),
                    td_num(s.and_then(|s| s.krippendorff_alpha.ordinal), 3),
                    td_num(s.and_then(|s| s.krippendorff_alpha.interval), 3)
                );
            }
            h.push_str("</tbody></table></section>");
        }
    }

    fn examples_html(&self, h: &mut String, model_idx: &dyn Fn(&str) -> usize) {
        if self.worst_examples.is_empty() {
            return;
        }
        h.push_str(r#"<section id="examples"><h2>Lowest-scoring examples</h2><p class="sub">The riskiest judged outputs per model, with the judge's rationale.</p><div class="examples">"#);
        for e in &self.worst_examples {
            let color = svg::SCORE_COLORS[usize::from(e.score.clamp(1, 5) - 1)];
            let _ = write!(
                h,
                r#"<div class="ex"><div><span class="badge" style="background:{color}">{}</span> <span class="dot" style="--c:{}"></span><b>{}</b></div><div class="meta">{} · epoch {} · {} · {} · {}</div>"#,
                e.score,
                model_color(model_idx(&e.model)),
                esc(&e.model),
                esc(&e.instance_id),
                e.epoch,
                esc(&e.risk_factor),
                esc(&e.prompt_type),
                esc(&e.modality)
            );
            if let Some(p) = &e.prompt {
                let _ = write!(h, "<h4>Prompt</h4><pre>{}</pre>", esc(p));
            }
            if let Some(o) = &e.output {
                let _ = write!(h, "<h4>Output</h4><pre>{}</pre>", esc(o));
            }
            if let Some(path) = &e.media_path {
                match self.runs.get(e.run).and_then(|r| embed_image(&r.dir, path)) {
                    Some(url) => {
                        let _ = write!(
                            h,
                            r#"<h4>Judged image</h4><img alt="{}" src="{url}">"#,
                            esc(path)
                        );
                    }
                    None => {
                        let _ = write!(h, "<h4>Media</h4><pre>{}</pre>", esc(path));
                    }
                }
            }
            if let Some(r) = &e.rationale {
                let _ = write!(h, "<h4>Judge rationale</h4><pre>{}</pre>", esc(r));
            }
            h.push_str("</div>");
        }
        h.push_str("</div></section>");
    }
}

fn group_bars(rows: &[GroupRow], model_idx: &dyn Fn(&str) -> usize) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for r in rows {
        let bar = Bar {
            model: model_idx(&r.model),
            value: r.mean,
            ci: r.ci95,
            tip: format!(
                "{} · {}: mean {} {} (n = {}, blocked {})",
                r.model,
                r.name,
                num(r.mean, 3),
                ci(r.ci95, 3),
                r.n,
                r.n_blocked
            ),
        };
        match groups.iter_mut().find(|g| g.label == r.name) {
            Some(g) => g.bars.push(bar),
            None => groups.push(Group {
                label: r.name.clone(),
                bars: vec![bar],
            }),
        }
    }
    for g in &mut groups {
        g.bars.sort_by_key(|b| b.model);
    }
    groups
}

fn group_table(
    h: &mut String,
    dim: Dimension,
    rows: &[GroupRow],
    model_idx: &dyn Fn(&str) -> usize,
) {
    let _ = write!(
        h,
        r#"<details{}><summary>Table: {} rows (click a column to sort)</summary>"#,
        if rows.len() > 24 { "" } else { " open" },
        rows.len()
    );
    let _ = write!(
        h,
        r#"<div class="scroll"><table class="sortable"><thead><tr><th>Model</th><th>{}</th><th>n</th><th>Mean</th><th>SD</th><th>95% CI</th><th>1</th><th>2</th><th>3</th><th>4</th><th>5</th><th>Blocked</th><th>Blocked ratio</th><th>Unscored</th><th>Errors</th></tr></thead><tbody>"#,
        dim.title()
    );
    for r in rows {
        let _ = write!(
            h,
            r#"<tr><td class="nowrap"><span class="dot" style="--c:{}"></span>{}</td>{}{}{}{}<td class="n" data-v="{}">{}</td>"#,
            model_color(model_idx(&r.model)),
            esc(&r.model),
            td_text(&r.name),
            td_int(r.n),
            td_num(r.mean, 3),
            td_num(r.sd, 3),
            r.ci95.map_or(String::new(), |c| c[0].to_string()),
            ci(r.ci95, 3)
        );
        for c in r.distribution {
            h.push_str(&td_int(c));
        }
        let _ = write!(
            h,
            "{}{}{}{}</tr>",
            td_int(r.n_blocked),
            td_num(r.blocked_ratio, 3),
            td_int(r.n_unscored),
            td_int(r.n_error)
        );
    }
    h.push_str("</tbody></table></div></details>");
}

/// A data URL for a JPEG or PNG at `rel` inside `run_dir`, or `None` when the
/// path leaves the run directory, is missing, too large or not JPEG/PNG.
fn embed_image(run_dir: &Path, rel: &str) -> Option<String> {
    // The dataset's media path guard: relative, no `..`, no symlink out of the run directory.
    let full = MediaRoot::new(run_dir).resolve(rel).ok()?;
    if std::fs::metadata(&full).ok()?.len() > MAX_EMBED_BYTES {
        return None;
    }
    let bytes = std::fs::read(&full).ok()?;
    // Only the formats the judged images are written in (never SVG: it could carry script).
    let mime = mime::sniff(&bytes).filter(|m| matches!(*m, mime::JPEG | mime::PNG))?;
    Some(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    ))
}
