//! Building a [`Report`] from run directories in two streaming passes.
//!
//! Pass 1 reads only each line's key to find duplicates (last line wins)
//! and overlaps between run directories; pass 2 folds every current record
//! into fixed-size accumulators (score histograms per model and group). No
//! record is held in memory beyond the line being parsed; the only
//! per-record state is a 16-byte fingerprint per key during pass 1 and,
//! with two or more models, one score byte per model and shared instance
//! for the paired comparisons.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use assurai_taxonomy::{Modality, PromptType, RiskCategory, RiskFactor};
use serde::Deserialize;

use super::numbers;
use super::types::{Example, Report, RunInfo};
use crate::error::{EvalError, Result};
use crate::fingerprint::{fingerprint, key_fp};
use crate::manifest::Manifest;
use crate::record::{RecordView, Status, check_fields};
use crate::store::{Lines, RESULTS_FILE};

/// Options for [`Report::from_runs`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Lowest-scoring examples kept per model (default 5).
    pub worst_examples: usize,
    /// Longest prompt/output/rationale text kept per example, in characters
    /// (default 1,500).
    pub max_example_chars: usize,
    /// A calibration directory (`assurai calibrate`'s output for the runs'
    /// judge): adds the `corrected` numbers (default none).
    pub calibration: Option<PathBuf>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            worst_examples: 5,
            max_example_chars: 1_500,
            calibration: None,
        }
    }
}

impl ReportOptions {
    /// Sets [`ReportOptions::worst_examples`].
    pub fn worst_examples(mut self, n: usize) -> Self {
        self.worst_examples = n;
        self
    }

    /// Sets [`ReportOptions::calibration`].
    pub fn calibration(mut self, dir: impl Into<PathBuf>) -> Self {
        self.calibration = Some(dir.into());
        self
    }
}

#[derive(Deserialize)]
struct KeyOnly<'a> {
    #[serde(borrow)]
    instance_id: Cow<'a, str>,
    #[serde(borrow)]
    model: Cow<'a, str>,
    epoch: u32,
}

fn default_schema() -> u32 {
    crate::record::RECORD_SCHEMA_VERSION
}

#[derive(Deserialize, Default)]
struct OutputView<'a> {
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    media_path: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    transcript: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    finish_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    truncated: Option<bool>,
}

#[derive(Deserialize)]
struct VerdictView<'a> {
    #[serde(default, borrow)]
    judge: Cow<'a, str>,
    #[serde(default)]
    score: Option<u8>,
    #[serde(default, borrow)]
    unscored_reason: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    rationale: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    guard: Option<super::guards::GuardView<'a>>,
    #[serde(default)]
    refused: Option<bool>,
}

#[derive(Deserialize)]
struct ErrorView<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
}

/// The fields the report reads; everything else is skipped.
#[derive(Deserialize)]
struct RowView<'a> {
    #[serde(default = "default_schema")]
    schema_version: u32,
    #[serde(borrow)]
    instance_id: Cow<'a, str>,
    #[serde(borrow)]
    model: Cow<'a, str>,
    epoch: u32,
    status: Status,
    score: Option<u8>,
    risk_factor: RiskFactor,
    category: RiskCategory,
    prompt_type: PromptType,
    modality: Modality,
    #[serde(default, borrow)]
    prompt: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    output: OutputView<'a>,
    #[serde(default, borrow)]
    verdicts: Vec<VerdictView<'a>>,
    #[serde(default, borrow)]
    error: Option<ErrorView<'a>>,
    #[serde(default, borrow)]
    unscored_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    human_scores: Vec<u8>,
    /// `comply` for should-comply instances (see `over_refusal.rs`).
    #[serde(default, borrow)]
    expected: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: super::tokens::UsageView,
    /// Judge calls made for the record (see `tokens.rs`).
    #[serde(default)]
    judge_attempts: Option<u64>,
}

/// Counts for one model × group cell.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Cell {
    pub(super) hist: [u64; 5],
    pub(super) blocked: u64,
    pub(super) unscored: u64,
    pub(super) error: u64,
}

impl Cell {
    fn add(&mut self, status: Status, score: Option<u8>) {
        match (status, score) {
            (Status::Scored, Some(s @ 1..=5)) => self.hist[usize::from(s - 1)] += 1,
            (Status::Blocked, _) => self.blocked += 1,
            (Status::Unscored, _) => self.unscored += 1,
            (Status::Error, _) => self.error += 1,
            _ => {}
        }
    }

    pub(super) fn n_scored(&self) -> u64 {
        self.hist.iter().sum()
    }

    pub(super) fn total(&self) -> u64 {
        self.n_scored() + self.blocked + self.unscored + self.error
    }
}

/// Everything accumulated for one model.
#[derive(Debug)]
pub(super) struct ModelAcc {
    pub(super) name: String,
    pub(super) all: Cell,
    pub(super) by_prompt_type: [Cell; PromptType::ALL.len()],
    pub(super) by_risk_factor: [Cell; RiskFactor::ALL.len()],
    pub(super) by_category: [Cell; RiskCategory::ALL.len()],
    pub(super) by_modality: [Cell; Modality::ALL.len()],
    pub(super) unscored_reasons: BTreeMap<String, u64>,
    pub(super) error_kinds: BTreeMap<String, u64>,
    /// (judge score, mean human score) of scored records with human scores.
    pub(super) human_pairs: Vec<(f64, f64)>,
    pub(super) worst: Vec<Example>,
    /// Judge ids in order of first appearance (for ensemble agreement).
    pub(super) judges: Vec<String>,
    /// (item, judge, score) of records with two or more scored verdicts.
    pub(super) judge_cells: Vec<(u32, u16, u8)>,
    pub(super) judge_items: u32,
    /// Guard-judge counts (see `guards.rs`).
    pub(super) guards: super::guards::GuardAcc,
    /// Should-comply counts (see `over_refusal.rs`).
    pub(super) over_refusal: super::over_refusal::OverRefusalAcc,
    /// Tokens per role and truncated outputs (see `tokens.rs`).
    pub(super) tokens: super::tokens::TokensAcc,
}

impl ModelAcc {
    fn new(name: String) -> Self {
        Self {
            name,
            all: Cell::default(),
            by_prompt_type: [Cell::default(); PromptType::ALL.len()],
            by_risk_factor: [Cell::default(); RiskFactor::ALL.len()],
            by_category: [Cell::default(); RiskCategory::ALL.len()],
            by_modality: [Cell::default(); Modality::ALL.len()],
            unscored_reasons: BTreeMap::new(),
            error_kinds: BTreeMap::new(),
            human_pairs: Vec::new(),
            worst: Vec::new(),
            judges: Vec::new(),
            judge_cells: Vec::new(),
            judge_items: 0,
            guards: super::guards::GuardAcc::default(),
            over_refusal: super::over_refusal::OverRefusalAcc::default(),
            tokens: super::tokens::TokensAcc::default(),
        }
    }
}

/// Scores of each model per shared (instance, epoch), for paired tests.
#[derive(Debug, Default)]
pub(super) struct PairTable {
    pub(super) n_models: usize,
    pub(super) rows: HashMap<u128, u32>,
    /// `rows.len() × n_models` scores; 0 = not scored.
    pub(super) scores: Vec<u8>,
}

pub(super) struct Accumulated {
    pub(super) models: Vec<ModelAcc>,
    pub(super) pairs: PairTable,
    pub(super) runs: Vec<RunInfo>,
}

fn index_of<T: PartialEq + Copy>(all: &[T], x: T) -> usize {
    all.iter().position(|v| *v == x).unwrap_or(0)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The result of pass 1 over run directories: model names in order of first
/// appearance, per-run counts, and the latest line of every key that occurs
/// more than once.
pub(crate) struct RunIndex {
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) model_order: Vec<String>,
    pub(crate) runs: Vec<RunInfo>,
    dup_latest: HashMap<u128, (u32, u64)>,
    /// Per run: whether its target replays recorded outputs (`replay:`), calling no model.
    replay: Vec<bool>,
}

impl RunIndex {
    /// Whether the line `line_no` of run `run` holds the current record of
    /// its key (false when a later line supersedes it).
    pub(crate) fn is_current(
        &self,
        run: usize,
        line_no: u64,
        instance_id: &str,
        model: &str,
        epoch: u32,
    ) -> bool {
        if self.dup_latest.is_empty() {
            return true;
        }
        let run_idx = u32::try_from(run).unwrap_or(u32::MAX);
        match self.dup_latest.get(&key_fp(instance_id, model, epoch)) {
            Some(&latest) => latest == (run_idx, line_no),
            None => true,
        }
    }
}

/// Refuses to merge two run directories that hold the same model under
/// configurations differing beyond the shard and the dataset's path (the
/// dataset's hash must agree).
fn check_same_config(dirs: &[&Path], runs: &[(Option<Manifest>, Vec<String>)]) -> Result<()> {
    for (i, (a, models_a)) in runs.iter().enumerate() {
        for (j, (b, models_b)) in runs.iter().enumerate().skip(i + 1) {
            let (Some(a), Some(b)) = (a, b) else { continue };
            let Some(model) = models_a.iter().find(|m| models_b.contains(m)) else {
                continue;
            };
            let differing: Vec<String> = a
                .differing_keys(b)
                .into_iter()
                .filter(|k| k != "shard" && k != "dataset")
                .collect();
            if !differing.is_empty() {
                return Err(EvalError::MergeMismatch {
                    model: model.clone(),
                    first: dirs[i].to_path_buf(),
                    second: dirs[j].to_path_buf(),
                    differing: differing.join(", "),
                });
            }
        }
    }
    Ok(())
}

/// Pass 1: reads only each line's key.
pub(crate) fn index_runs(dirs: &[&Path]) -> Result<RunIndex> {
    if dirs.is_empty() {
        return Err(EvalError::Unsupported(
            "a report needs at least one run directory".into(),
        ));
    }
    let paths: Vec<PathBuf> = dirs.iter().map(|d| d.join(RESULTS_FILE)).collect();

    // Pass 1: keys only. fingerprint → (run, line) of the latest line.
    let mut latest: HashMap<u128, (u32, u64)> = HashMap::new();
    let mut model_order: Vec<String> = Vec::new();
    let mut runs = Vec::with_capacity(dirs.len());
    let mut superseded_lines: Vec<u128> = Vec::new();
    let mut run_models: Vec<(Option<Manifest>, Vec<String>)> = Vec::with_capacity(dirs.len());
    let mut replay = Vec::with_capacity(dirs.len());
    for (run, (dir, path)) in dirs.iter().zip(&paths).enumerate() {
        let manifest = Manifest::read(dir)?;
        let mut models_here: Vec<String> = Vec::new();
        let mut lines = Lines::open(path)?;
        let mut superseded = 0;
        let (mut n_lines, mut torn) = (0u64, 0u64);
        let run_idx = u32::try_from(run).unwrap_or(u32::MAX);
        while let Some((line_no, bytes, complete)) = lines.next_line()? {
            let key: KeyOnly<'_> = match serde_json::from_slice(bytes) {
                Ok(k) => k,
                Err(_) if !complete => {
                    torn += 1;
                    break;
                }
                Err(e) => return Err(crate::store::json_error(path, line_no, bytes, &e)),
            };
            n_lines += 1;
            if !model_order.iter().any(|m| m == key.model.as_ref()) {
                model_order.push(key.model.clone().into_owned());
            }
            if !models_here.iter().any(|m| m == key.model.as_ref()) {
                models_here.push(key.model.clone().into_owned());
            }
            let fp = key_fp(&key.instance_id, &key.model, key.epoch);
            if let Some((prev_run, _)) = latest.insert(fp, (run_idx, line_no)) {
                if prev_run != run_idx {
                    return Err(EvalError::Overlap {
                        instance_id: key.instance_id.into_owned(),
                        model: key.model.into_owned(),
                        epoch: key.epoch,
                        first: dirs[prev_run as usize].to_path_buf(),
                        second: dir.to_path_buf(),
                    });
                }
                superseded += 1;
                superseded_lines.push(fp);
            }
        }
        runs.push(RunInfo {
            dir: dir.to_path_buf(),
            lines: n_lines,
            superseded,
            torn_lines: torn,
            config_hash: manifest.as_ref().map(|m| m.config_hash.clone()),
            dataset_sha256: manifest.as_ref().and_then(|m| m.dataset_sha256.clone()),
            tool_version: manifest.as_ref().map(|m| m.tool_version.clone()),
        });
        replay.push(manifest.as_ref().is_some_and(|m| {
            m.config
                .get("target")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|t| t.starts_with("replay:"))
        }));
        run_models.push((manifest, models_here));
    }
    check_same_config(dirs, &run_models)?;
    // Keep only the keys that occur more than once: pass 2 needs nothing else.
    let dup_latest: HashMap<u128, (u32, u64)> = if superseded_lines.is_empty() {
        HashMap::new()
    } else {
        superseded_lines
            .iter()
            .filter_map(|fp| latest.get(fp).map(|v| (*fp, *v)))
            .collect()
    };
    drop(latest);
    Ok(RunIndex {
        paths,
        model_order,
        runs,
        dup_latest,
        replay,
    })
}

pub(super) fn accumulate(dirs: &[&Path], options: &ReportOptions) -> Result<Accumulated> {
    let index = index_runs(dirs)?;
    let model_order = &index.model_order;

    let mut models: Vec<ModelAcc> = model_order.iter().cloned().map(ModelAcc::new).collect();
    let mut pairs = PairTable {
        n_models: models.len(),
        ..PairTable::default()
    };
    let track_pairs = models.len() >= 2;

    // Pass 2: fold every current record.
    for (run, path) in index.paths.iter().enumerate() {
        let mut lines = Lines::open(path)?;
        while let Some((line_no, bytes, complete)) = lines.next_line()? {
            let row: RowView<'_> = match serde_json::from_slice(bytes) {
                Ok(r) => r,
                Err(_) if !complete => break,
                Err(e) => return Err(crate::store::json_error(path, line_no, bytes, &e)),
            };
            let mi = model_order
                .iter()
                .position(|m| m == row.model.as_ref())
                .unwrap_or(0);
            // Tokens count every line: a superseded record made its calls too.
            models[mi].tokens.add(&super::tokens::TokenFacts {
                usage: &row.usage,
                is_error: row.status == Status::Error,
                has_output: row.output.text.is_some() || row.output.media_path.is_some(),
                has_transcript: row.output.transcript.is_some(),
                has_finish_reason: row.output.finish_reason.is_some(),
                judge_calls: row.judge_attempts.unwrap_or(0),
                replay: index.replay.get(run).copied().unwrap_or(false),
            });
            if !index.is_current(run, line_no, &row.instance_id, &row.model, row.epoch) {
                continue;
            }
            check_fields(RecordView {
                schema_version: row.schema_version,
                instance_id: &row.instance_id,
                model: &row.model,
                epoch: row.epoch,
                status: row.status,
                score: row.score,
                risk_factor: row.risk_factor,
                category: row.category,
                has_error: row.error.is_some(),
                verdict_scores: &mut row.verdicts.iter().map(|v| v.score),
                human_scores: &row.human_scores,
            })
            .map_err(|(field, message)| EvalError::InvalidRecord {
                path: path.clone(),
                line: line_no,
                field: field.to_owned(),
                message,
            })?;
            if super::tokens::is_truncated(
                row.output.truncated,
                row.output.finish_reason.as_deref(),
            ) {
                models[mi].tokens.truncated += 1;
            }
            if row.expected.as_deref() == Some("comply") {
                // Should-comply: the over-refusal rate only, never the safety mean.
                let verdicts: Vec<_> = row
                    .verdicts
                    .iter()
                    .map(|v| super::over_refusal::VerdictRefusal {
                        judge: &v.judge,
                        refused: v.refused,
                        guard_refusal: v.guard.as_ref().and_then(|g| g.refusal()),
                        rationale: v.rationale.as_deref(),
                    })
                    .collect();
                models[mi].over_refusal.add(row.status, &verdicts);
                continue;
            }
            fold(&mut models[mi], &row, run, options);
            if track_pairs && let (Status::Scored, Some(s)) = (row.status, row.score) {
                let fp = fingerprint(&[row.instance_id.as_bytes(), &row.epoch.to_le_bytes()]);
                let next = u32::try_from(pairs.rows.len()).unwrap_or(u32::MAX);
                let r = *pairs.rows.entry(fp).or_insert(next);
                if r == next {
                    pairs.scores.resize(pairs.scores.len() + pairs.n_models, 0);
                }
                pairs.scores[r as usize * pairs.n_models + mi] = s;
            }
        }
    }
    Ok(Accumulated {
        models,
        pairs,
        runs: index.runs,
    })
}

fn fold(acc: &mut ModelAcc, row: &RowView<'_>, run: usize, options: &ReportOptions) {
    let (st, sc) = (row.status, row.score);
    acc.all.add(st, sc);
    acc.by_prompt_type[index_of(&PromptType::ALL, row.prompt_type)].add(st, sc);
    acc.by_risk_factor[index_of(&RiskFactor::ALL, row.risk_factor)].add(st, sc);
    acc.by_category[index_of(&RiskCategory::ALL, row.category)].add(st, sc);
    acc.by_modality[index_of(&Modality::ALL, row.modality)].add(st, sc);
    match st {
        Status::Unscored => {
            let reason = row
                .unscored_reason
                .as_deref()
                .or_else(|| {
                    row.verdicts
                        .iter()
                        .find_map(|v| v.unscored_reason.as_deref())
                })
                .unwrap_or("unspecified");
            *acc.unscored_reasons
                .entry(truncate(reason, 120))
                .or_insert(0) += 1;
        }
        Status::Error => {
            let kind = row.error.as_ref().map_or("unknown", |e| e.kind.as_ref());
            *acc.error_kinds.entry(truncate(kind, 120)).or_insert(0) += 1;
        }
        _ => {}
    }
    for v in &row.verdicts {
        acc.guards.add(
            &v.judge,
            v.guard.as_ref(),
            v.unscored_reason.as_deref(),
            v.rationale.as_deref(),
            row.risk_factor,
        );
    }
    if row.verdicts.iter().filter(|v| v.score.is_some()).count() >= 2 {
        let item = acc.judge_items;
        acc.judge_items = acc.judge_items.saturating_add(1);
        for v in &row.verdicts {
            let Some(s) = v.score else { continue };
            let j = match acc.judges.iter().position(|j| j == v.judge.as_ref()) {
                Some(j) => j,
                None => {
                    acc.judges.push(v.judge.clone().into_owned());
                    acc.judges.len() - 1
                }
            };
            acc.judge_cells
                .push((item, u16::try_from(j).unwrap_or(u16::MAX), s));
        }
    }
    let Some(score) = sc.filter(|_| st == Status::Scored) else {
        return;
    };
    if !row.human_scores.is_empty() {
        // The human mean is computed here in f64 (exact for ≤ 2^53 scores).
        let human = row.human_scores.iter().map(|&h| f64::from(h)).sum::<f64>()
            / row.human_scores.len() as f64;
        acc.human_pairs.push((f64::from(score), human));
    }
    keep_worst(acc, row, score, run, options);
}

fn worse(a: (u8, &str, u32), b: (u8, &str, u32)) -> bool {
    a < b
}

fn keep_worst(
    acc: &mut ModelAcc,
    row: &RowView<'_>,
    score: u8,
    run: usize,
    options: &ReportOptions,
) {
    let k = options.worst_examples;
    if k == 0 {
        return;
    }
    let this = (score, row.instance_id.as_ref(), row.epoch);
    if acc.worst.len() >= k {
        // The current best of the kept examples is the last (sorted).
        let Some(last) = acc.worst.last() else { return };
        if !worse(this, (last.score, last.instance_id.as_str(), last.epoch)) {
            return;
        }
        acc.worst.pop();
    }
    let max = options.max_example_chars;
    let output = row
        .output
        .text
        .as_deref()
        .or(row.output.transcript.as_deref())
        .map(|t| truncate(t, max));
    let ex = Example {
        model: row.model.clone().into_owned(),
        instance_id: row.instance_id.clone().into_owned(),
        epoch: row.epoch,
        score,
        risk_factor: row.risk_factor.id().to_owned(),
        prompt_type: row.prompt_type.id().to_owned(),
        modality: row.modality.id().to_owned(),
        prompt: row.prompt.as_deref().map(|t| truncate(t, max)),
        output,
        media_path: row.output.media_path.as_deref().map(str::to_owned),
        rationale: row
            .verdicts
            .iter()
            .find_map(|v| v.rationale.as_deref())
            .map(|t| truncate(t, max)),
        run,
    };
    let pos = acc
        .worst
        .partition_point(|e| worse((e.score, e.instance_id.as_str(), e.epoch), this));
    acc.worst.insert(pos, ex);
}

impl Report {
    /// Computes the report of one or more run directories (each holding
    /// `results.jsonl` and usually `manifest.json`).
    ///
    /// Records are streamed twice; duplicates within a directory resolve
    /// last-wins; the same key in two directories is an
    /// [`EvalError::Overlap`].
    pub fn from_runs(dirs: &[&Path], options: &ReportOptions) -> Result<Report> {
        let acc = accumulate(dirs, options)?;
        let mut report = numbers::finish(acc)?;
        if let Some(cal) = &options.calibration {
            super::corrected::apply(&mut report, dirs, cal)?;
        }
        Ok(report)
    }
}
