//! Reports: statistics per model, prompt type, risk factor, category and
//! modality, between-model comparisons, and their renderings.

mod build;
mod csv_out;
mod fmt;
mod html;
mod markdown;
mod numbers;
mod svg;
mod types;

pub use build::ReportOptions;
pub use types::{
    AnovaResult, Comparison, ComparisonGroup, Dimension, Example, GroupRow, HumanAgreement,
    KruskalResult, ModelSummary, PairedComparison, REPORT_SCHEMA_VERSION, Report, RunInfo,
    TukeyPair, VarianceResult, WelchResult,
};

impl Report {
    /// The report as pretty-printed JSON (`report.json`).
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
