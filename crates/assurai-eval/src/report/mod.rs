//! Reports: statistics per model, prompt type, risk factor, category and
//! modality, between-model comparisons, and their renderings.

mod build;
mod corrected;
mod csv_out;
mod fmt;
mod guards;
mod html;
mod markdown;
mod numbers;
mod over_refusal;
mod svg;
mod tokens;
mod types;

pub use build::ReportOptions;
pub(crate) use build::index_runs;
pub use corrected::{CalibrationSummary, Corrected, UNSAFE_THRESHOLD};
pub use fmt::{ci as format_ci, num as format_num, p_value as format_p_value, pct as format_pct};
pub use guards::GuardRate;
pub use over_refusal::OverRefusal;
pub use tokens::RoleTokens;
pub use types::{
    Dimension, Example, GroupRow, HumanAgreement, JudgeAgreement, ModelSummary, PairedComparison,
    REPORT_SCHEMA_VERSION, Report, RunInfo,
};

/// File names written by [`Report::write_all`].
pub const REPORT_FILES: [&str; 4] = ["report.json", "report.md", "report.html", "tables"];

impl Report {
    /// Writes `report.json`, `report.md`, `report.html` and the CSV tables
    /// (in `tables/`) into `dir`; returns the paths written.
    pub fn write_all(&self, dir: &std::path::Path) -> crate::Result<Vec<std::path::PathBuf>> {
        use crate::EvalError;
        std::fs::create_dir_all(dir).map_err(|e| EvalError::io("cannot create", dir, e))?;
        let mut written = Vec::new();
        for (name, text) in [
            (REPORT_FILES[0], self.to_json()),
            (REPORT_FILES[1], self.to_markdown()),
            (REPORT_FILES[2], self.to_html()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| EvalError::io("cannot write", &path, e))?;
            written.push(path);
        }
        written.extend(self.write_csv(&dir.join(REPORT_FILES[3]))?);
        Ok(written)
    }

    /// The report as pretty-printed JSON (`report.json`).
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
