//! Tokens per role and truncated outputs: the `tokens` array of `report.json`, the
//! `n_truncated` count of `models`, and their Markdown, HTML and CSV renderings.
//!
//! For each model and each role that answered at least once — the target, the judges
//! (all judge calls of a record together), the transcriber — the report sums the input and
//! output tokens the servers reported. A server that did not report usage is counted as such
//! (`records_missing_usage`), never as 0 tokens: the sums are then lower bounds, and a role
//! whose server never reported usage has `null` sums.
//!
//! Every line of `results.jsonl` counts, superseded lines included (an error re-tried with
//! `--retry-errors` made its calls too): the totals are what the run directory spent.
//!
//! When a role answered, per record:
//! - **target**: the record has target usage, a `finish_reason`, an output, or a status other
//!   than `error`; never in a run whose target replays recorded outputs (`replay:`), which
//!   calls no model;
//! - **judge**: the record has judge usage, or `judge_calls_without_usage`, or judge calls
//!   (`judge_attempts`) and a status other than `error`;
//! - **transcriber**: the record has transcriber usage or a transcript (not in replay runs,
//!   whose transcripts are recorded).
//!
//! A truncated output is one whose `output.truncated` is true or `output.finish_reason` is
//! `length` (the token limit cut it off), counted over the current records.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The roles, in report order.
const ROLES: [&str; 3] = ["target", "judge", "transcriber"];

/// The usage fields of a record the report reads.
#[derive(Debug, Default, Deserialize)]
pub(super) struct UsageView {
    #[serde(default)]
    target_input_tokens: Option<u64>,
    #[serde(default)]
    target_output_tokens: Option<u64>,
    #[serde(default)]
    judge_input_tokens: Option<u64>,
    #[serde(default)]
    judge_output_tokens: Option<u64>,
    #[serde(default)]
    judge_calls_without_usage: Option<u32>,
    #[serde(default)]
    transcriber_input_tokens: Option<u64>,
    #[serde(default)]
    transcriber_output_tokens: Option<u64>,
}

/// What [`TokensAcc::add`] needs of one record.
pub(super) struct TokenFacts<'a> {
    pub(super) usage: &'a UsageView,
    /// The record's status is `error`.
    pub(super) is_error: bool,
    /// The record has an output text or media file.
    pub(super) has_output: bool,
    /// The record has a transcript.
    pub(super) has_transcript: bool,
    /// The record has a `finish_reason`.
    pub(super) has_finish_reason: bool,
    /// Judge calls made (`judge_attempts`), 0 when absent.
    pub(super) judge_calls: u64,
    /// The run's target replays recorded outputs.
    pub(super) replay: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct RoleAcc {
    records: u64,
    input: Option<u64>,
    output: Option<u64>,
    missing: u64,
}

impl RoleAcc {
    fn add(&mut self, input: Option<u64>, output: Option<u64>, incomplete: bool) {
        self.records += 1;
        let sum = |acc: &mut Option<u64>, n: Option<u64>| {
            if let Some(n) = n {
                *acc = Some(acc.unwrap_or(0).saturating_add(n));
            }
        };
        sum(&mut self.input, input);
        sum(&mut self.output, output);
        if input.is_none() || output.is_none() || incomplete {
            self.missing += 1;
        }
    }
}

/// Token and truncation counts of one model.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct TokensAcc {
    roles: [RoleAcc; 3],
    pub(super) truncated: u64,
}

impl TokensAcc {
    /// Folds the usage of one line of `results.jsonl` (current or superseded).
    pub(super) fn add(&mut self, r: &TokenFacts<'_>) {
        let u = r.usage;
        let target_usage = u.target_input_tokens.is_some() || u.target_output_tokens.is_some();
        if !r.replay && (target_usage || r.has_finish_reason || r.has_output || !r.is_error) {
            self.roles[0].add(u.target_input_tokens, u.target_output_tokens, false);
        }
        let judge_usage = u.judge_input_tokens.is_some() || u.judge_output_tokens.is_some();
        let without = u.judge_calls_without_usage.unwrap_or(0);
        if judge_usage || without > 0 || (r.judge_calls > 0 && !r.is_error) {
            self.roles[1].add(u.judge_input_tokens, u.judge_output_tokens, without > 0);
        }
        let transcriber_usage =
            u.transcriber_input_tokens.is_some() || u.transcriber_output_tokens.is_some();
        if transcriber_usage || (r.has_transcript && !r.replay) {
            self.roles[2].add(
                u.transcriber_input_tokens,
                u.transcriber_output_tokens,
                false,
            );
        }
    }
}

/// Whether a record's output was cut off by the token limit.
pub(super) fn is_truncated(truncated: Option<bool>, finish_reason: Option<&str>) -> bool {
    truncated == Some(true) || finish_reason == Some("length")
}

/// The tokens one role of one model used: one entry of the `tokens` array of `report.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RoleTokens {
    /// The target model whose run this is.
    pub model: String,
    /// `target`, `judge` (all judges of a record together) or `transcriber`.
    pub role: String,
    /// Records in which the role answered (every line of `results.jsonl`, superseded ones
    /// included).
    pub records: u64,
    /// Input (prompt) tokens the servers reported; `null` when none reported any.
    pub input_tokens: Option<u64>,
    /// Output (generated) tokens the servers reported; `null` when none reported any.
    pub output_tokens: Option<u64>,
    /// Of `records`, those whose usage the server did not report (wholly or partly): the sums
    /// leave them out, so they are lower bounds when this is not 0.
    pub records_missing_usage: u64,
}

/// The rows of one model: one per role that answered at least once.
pub(super) fn rows(model: &str, acc: &TokensAcc) -> Vec<RoleTokens> {
    ROLES
        .iter()
        .zip(acc.roles.iter())
        .filter(|(_, r)| r.records > 0)
        .map(|(role, r)| RoleTokens {
            model: model.to_owned(),
            role: (*role).to_owned(),
            records: r.records,
            input_tokens: r.input,
            output_tokens: r.output,
            records_missing_usage: r.missing,
        })
        .collect()
}

fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "–".to_owned(), group_digits)
}

/// `1234567` as `1,234,567`.
fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const TOKENS_NOTE: &str = "Input and output tokens as the servers reported them, per model and \
     role, over every line of results.jsonl (superseded lines included). Records whose server \
     did not report usage are counted in “missing usage” and left out of the sums, never \
     counted as 0 tokens.";

/// The Markdown section: truncated outputs per model and tokens per role.
pub(super) fn markdown(
    md: &mut String,
    models: &[super::types::ModelSummary],
    rows: &[RoleTokens],
    cell: fn(&str) -> String,
) {
    if models.iter().any(|m| m.n_truncated > 0) {
        let _ = writeln!(md, "\n### Truncated outputs\n");
        let _ = writeln!(
            md,
            "Outputs cut off by the token limit (`finish_reason: length`); the judge was told.\n"
        );
        let _ = writeln!(md, "| Model | Truncated | of records |");
        let _ = writeln!(md, "|---|---:|---:|");
        for m in models {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                cell(&m.model),
                m.n_truncated,
                m.n_total
            );
        }
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n## Tokens\n");
    let _ = writeln!(md, "{TOKENS_NOTE}\n");
    let _ = writeln!(
        md,
        "| Model | Role | Records | Input tokens | Output tokens | Missing usage |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&r.model),
            r.role,
            r.records,
            count(r.input_tokens),
            count(r.output_tokens),
            r.records_missing_usage
        );
    }
}

/// The HTML section (`id="tokens"`): truncated outputs and tokens per role.
pub(super) fn html(h: &mut String, models: &[super::types::ModelSummary], rows: &[RoleTokens]) {
    use super::html::esc;
    let truncated = models.iter().any(|m| m.n_truncated > 0);
    if !truncated && rows.is_empty() {
        return;
    }
    h.push_str(r#"<section id="tokens"><h2>Tokens and truncated outputs</h2>"#);
    if truncated {
        h.push_str(r#"<h3>Truncated outputs</h3><p class="sub">Outputs cut off by the token limit (finish_reason: length); the judge was told.</p><table class="sortable"><thead><tr><th>Model</th><th>Truncated</th><th>of records</th></tr></thead><tbody>"#);
        for m in models {
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(&m.model),
                m.n_truncated,
                m.n_total
            );
        }
        h.push_str("</tbody></table>");
    }
    if !rows.is_empty() {
        let _ = write!(
            h,
            r#"<h3>Tokens per role</h3><p class="sub">{}</p><table class="sortable"><thead><tr><th>Model</th><th>Role</th><th>Records</th><th>Input tokens</th><th>Output tokens</th><th>Missing usage</th></tr></thead><tbody>"#,
            esc(TOKENS_NOTE)
        );
        for r in rows {
            let num = |v: Option<u64>| {
                v.map_or_else(
                    || r#"<td class="n">–</td>"#.to_owned(),
                    |n| format!(r#"<td class="n" data-v="{n}">{}</td>"#, group_digits(n)),
                )
            };
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td>{}{}<td class="n">{}</td></tr>"#,
                esc(&r.model),
                esc(&r.role),
                r.records,
                num(r.input_tokens),
                num(r.output_tokens),
                r.records_missing_usage
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");
}

/// The CSV rows of `tokens.csv`.
pub(super) fn csv_rows(rows: &[RoleTokens]) -> Vec<Vec<String>> {
    let opt = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
    rows.iter()
        .map(|r| {
            vec![
                r.model.clone(),
                r.role.clone(),
                r.records.to_string(),
                opt(r.input_tokens),
                opt(r.output_tokens),
                r.records_missing_usage.to_string(),
            ]
        })
        .collect()
}

/// The header of `tokens.csv`.
pub(super) const CSV_HEADER: [&str; 6] = [
    "model",
    "role",
    "records",
    "input_tokens",
    "output_tokens",
    "records_missing_usage",
];
