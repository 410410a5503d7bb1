//! The report's serialisable types: the `report.json` contract.

use std::collections::BTreeMap;
use std::path::PathBuf;

use assurai_stats::{AgreementSummary, GroupComparison, PairedT, Wilcoxon};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// The report schema version written as `schema_version` in `report.json`.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Everything `report.json` holds. Keys follow the contract in
/// `docs/results-format.md`; extra keys may be added in later versions.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool that made the report.
    pub tool_version: String,
    /// Confidence level of every interval (0.95).
    pub level: f64,
    /// The run directories read.
    pub runs: Vec<RunInfo>,
    /// One row per model (paper Table 5 plus blocked, unscored and errors).
    pub models: Vec<ModelSummary>,
    /// Per model × prompt type (paper Figure 5, Tables 7–9).
    pub by_prompt_type: Vec<GroupRow>,
    /// Per model × risk factor (paper Figure 4).
    pub by_risk_factor: Vec<GroupRow>,
    /// Per model × risk category.
    pub by_category: Vec<GroupRow>,
    /// Per model × modality.
    pub by_modality: Vec<GroupRow>,
    /// Between-model comparison over the models' scores: the same object
    /// as `assurai stats --json` (assurai-stats' [`GroupComparison`]);
    /// `null` with fewer than two models with at least two scores each.
    pub comparison: Option<GroupComparison>,
    /// Paired comparisons of each pair of models on the instances both scored.
    pub paired: Vec<PairedComparison>,
    /// Judge versus human mean score, per model, where records carry human scores.
    pub agreement: Vec<HumanAgreement>,
    /// Agreement between the judges of an ensemble, per model, where
    /// records carry two or more scored verdicts.
    pub judge_agreement: Vec<JudgeAgreement>,
    /// Guard-model judges per model: unsafe rate (Wilson interval) and how often the guard's
    /// categories name the instance's own risk factor.
    pub guards: Vec<super::guards::GuardRate>,
    /// Over-refusal per model: should-comply instances (`"expected": "comply"`) refused or
    /// blocked, with a Wilson interval; these instances are in no other statistic.
    pub over_refusal: Vec<super::over_refusal::OverRefusal>,
    /// Input and output tokens per model and role (target, judge, transcriber), as the
    /// servers reported them; missing usage is counted apart, never as 0 (see
    /// `docs/results-format.md`).
    pub tokens: Vec<super::tokens::RoleTokens>,
    /// The lowest-scoring examples per model.
    pub worst_examples: Vec<Example>,
    /// Statistics that could not be computed, and why.
    pub notes: Vec<String>,
    /// With `--calibration`: the judge's measured error the `corrected`
    /// objects remove (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<super::corrected::CalibrationSummary>,
}

/// One run directory read by the report.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RunInfo {
    /// The run directory.
    pub dir: PathBuf,
    /// Lines read from `results.jsonl`.
    pub lines: u64,
    /// Lines superseded by a later line with the same key (last wins).
    pub superseded: u64,
    /// A torn last line skipped (0 or 1).
    pub torn_lines: u64,
    /// The manifest's configuration hash, if a manifest exists.
    pub config_hash: Option<String>,
    /// The manifest's dataset hash, if any.
    pub dataset_sha256: Option<String>,
    /// The manifest's tool version, if any.
    pub tool_version: Option<String>,
}

/// Per-model summary: the `models` array of `report.json`.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ModelSummary {
    /// The model.
    pub model: String,
    /// Scored records (the denominator of the mean).
    pub n_scored: u64,
    /// Mean safety score of scored records (blocked excluded).
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub sd: Option<f64>,
    /// Coefficient of variation in percent.
    pub cv_percent: Option<f64>,
    /// 95% t-interval of the mean.
    pub ci95: Option<[f64; 2]>,
    /// Median score.
    pub median: Option<f64>,
    /// Safely blocked records.
    pub n_blocked: u64,
    /// `n_blocked / (n_scored + n_blocked)`.
    pub blocked_ratio: Option<f64>,
    /// Wilson 95% interval of the blocked ratio.
    pub blocked_ci95: Option<[f64; 2]>,
    /// Unscored records.
    pub n_unscored: u64,
    /// Unscored records by reason.
    pub unscored_reasons: BTreeMap<String, u64>,
    /// Errored records.
    pub n_error: u64,
    /// Errored records by error kind.
    pub error_kinds: BTreeMap<String, u64>,
    /// All records of the model (after dedupe).
    pub n_total: u64,
    /// Records whose output the token limit cut off (`finish_reason: length`).
    pub n_truncated: u64,
    /// Counts of scores 1, 2, 3, 4, 5.
    pub distribution: [u64; 5],
    /// With `--calibration`: the unsafe rate and distribution corrected for
    /// the judge's error (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected: Option<super::corrected::Corrected>,
}

/// The grouping of a [`GroupRow`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dimension {
    /// By prompt type (`prompt_type` key).
    PromptType,
    /// By risk factor (`risk_factor` key).
    RiskFactor,
    /// By risk category (`category` key).
    Category,
    /// By modality (`modality` key).
    Modality,
}

impl Dimension {
    /// The JSON key naming the group: `prompt_type`, `risk_factor`,
    /// `category` or `modality`.
    pub fn key(self) -> &'static str {
        match self {
            Self::PromptType => "prompt_type",
            Self::RiskFactor => "risk_factor",
            Self::Category => "category",
            Self::Modality => "modality",
        }
    }

    /// A heading for tables and charts.
    pub fn title(self) -> &'static str {
        match self {
            Self::PromptType => "Prompt type",
            Self::RiskFactor => "Risk factor",
            Self::Category => "Risk category",
            Self::Modality => "Modality",
        }
    }
}

/// One model × group row: `{"model", <key>, "n", "mean", "sd", "ci95", …}`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GroupRow {
    /// Which grouping.
    pub dimension: Dimension,
    /// The model.
    pub model: String,
    /// The group's taxonomy id.
    pub id: String,
    /// The group's English name.
    pub name: String,
    /// Scored records in the group.
    pub n: u64,
    /// Mean score.
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub sd: Option<f64>,
    /// 95% t-interval of the mean (needs n ≥ 2).
    pub ci95: Option<[f64; 2]>,
    /// Blocked records in the group.
    pub n_blocked: u64,
    /// `n_blocked / (n + n_blocked)`.
    pub blocked_ratio: Option<f64>,
    /// Unscored records in the group.
    pub n_unscored: u64,
    /// Errored records in the group.
    pub n_error: u64,
    /// Counts of scores 1–5.
    pub distribution: [u64; 5],
    /// With `--calibration`, on `by_category` rows: the corrected numbers.
    pub corrected: Option<super::corrected::Corrected>,
}

impl Serialize for GroupRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(12))?;
        m.serialize_entry("model", &self.model)?;
        m.serialize_entry(self.dimension.key(), &self.id)?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("n", &self.n)?;
        m.serialize_entry("mean", &self.mean)?;
        m.serialize_entry("sd", &self.sd)?;
        m.serialize_entry("ci95", &self.ci95)?;
        m.serialize_entry("n_blocked", &self.n_blocked)?;
        m.serialize_entry("blocked_ratio", &self.blocked_ratio)?;
        m.serialize_entry("n_unscored", &self.n_unscored)?;
        m.serialize_entry("n_error", &self.n_error)?;
        m.serialize_entry("distribution", &self.distribution)?;
        if let Some(c) = &self.corrected {
            m.serialize_entry("corrected", c)?;
        }
        m.end()
    }
}

/// Paired comparison of two models on shared (instance, epoch) keys.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct PairedComparison {
    /// First model.
    pub a: String,
    /// Second model.
    pub b: String,
    /// Instances both models scored.
    pub n_shared: u64,
    /// Mean of a − b over shared instances.
    pub mean_diff: Option<f64>,
    /// 95% t-interval of the mean difference.
    pub mean_diff_ci95: Option<[f64; 2]>,
    /// Paired t-test of a − b, when computable.
    pub paired_t: Option<PairedT>,
    /// Wilcoxon signed-rank test of a − b, when computable.
    pub wilcoxon: Option<Wilcoxon>,
    /// Instances where a scored higher.
    pub a_higher: u64,
    /// Instances where b scored higher.
    pub b_higher: u64,
    /// Instances with equal scores.
    pub ties: u64,
}

/// Judge score versus the mean human score for one model.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct HumanAgreement {
    /// The model whose outputs were judged.
    pub model: String,
    /// Scored records with at least one human score.
    pub n: u64,
    /// Mean judge score over those records.
    pub judge_mean: Option<f64>,
    /// Mean human score over those records.
    pub human_mean: Option<f64>,
    /// Mean absolute difference judge − human mean.
    pub mean_absolute_error: Option<f64>,
    /// Share of records where the judge equals the rounded human mean.
    pub exact_agreement: Option<f64>,
    /// Quadratic-weighted Cohen's κ between judge and human mean.
    pub quadratic_weighted_kappa: Option<f64>,
    /// Spearman's ρ between judge and human mean.
    pub spearman_rho: Option<f64>,
    /// Two-sided p-value of Spearman's ρ.
    pub spearman_p: Option<f64>,
}

/// Agreement between the judges of an ensemble for one model.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JudgeAgreement {
    /// The model whose outputs were judged.
    pub model: String,
    /// The judges, in order of first appearance.
    pub judges: Vec<String>,
    /// Records with at least two scored verdicts.
    pub n_items: u64,
    /// Percent agreement, Fleiss' κ and Krippendorff's α (ordinal scores).
    pub summary: Option<AgreementSummary>,
}

/// One low-scoring example for the report.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Example {
    /// The model.
    pub model: String,
    /// Instance id.
    pub instance_id: String,
    /// Epoch.
    pub epoch: u32,
    /// Safety score.
    pub score: u8,
    /// Risk factor id.
    pub risk_factor: String,
    /// Prompt type id.
    pub prompt_type: String,
    /// Modality id.
    pub modality: String,
    /// The prompt, if recorded (truncated).
    pub prompt: Option<String>,
    /// The output text or transcript (truncated).
    pub output: Option<String>,
    /// Media path relative to the run directory.
    pub media_path: Option<String>,
    /// The first verdict's rationale (truncated).
    pub rationale: Option<String>,
    /// Index into [`Report::runs`] of the run holding the record.
    pub run: usize,
}
