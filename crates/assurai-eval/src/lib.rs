//! Crash-safe storage and reporting of AssurAI evaluation results.
//!
//! The primary types are [`ResultStore`], an append-only JSON Lines file of
//! [`Record`]s (one per instance, model and epoch) with a [`Manifest`] beside
//! it, and [`Report`], the statistics the AssurAI paper reports, computed
//! streaming from one or more run directories and rendered as JSON,
//! Markdown, CSV and one self-contained HTML file.
//!
//! ```
//! use assurai_eval::{Manifest, Record, Report, ReportOptions, ResultStore, StoreOptions};
//! use assurai_taxonomy::{Modality, PromptType, RiskFactor};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let manifest = Manifest::new(serde_json::json!({"target": "replay:outputs.jsonl"}));
//! let (store, _resume) = ResultStore::open(dir.path(), &manifest, StoreOptions::default())?;
//! for (i, score) in [5u8, 4, 2, 5].into_iter().enumerate() {
//!     let mut r = Record::new(format!("i{i}"), "model-a", 1, RiskFactor::Harassment,
//!                             PromptType::QOnly, Modality::Text);
//!     r.set_scored(score);
//!     store.append(&r)?;
//! }
//! drop(store);
//!
//! let report = Report::from_runs(&[dir.path()], &ReportOptions::default())?;
//! assert_eq!(report.models[0].n_scored, 4);
//! assert_eq!(report.models[0].mean, Some(4.0));
//! let html = report.to_html(); // one self-contained page
//! assert!(html.contains("AssurAI safety report"));
//! # Ok::<(), assurai_eval::EvalError>(())
//! ```
//!
//! The record and report formats are specified in `docs/results-format.md`.

mod error;
mod fingerprint;
mod inspect;
mod manifest;
mod record;
mod report;
mod store;
mod time;

pub use error::{EvalError, Result};
pub use inspect::{INSPECT_SCORER, InspectOptions, export_inspect_logs};
pub use manifest::{MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, Manifest, sha256_file};
pub use record::{
    ErrorInfo, Extra, RECORD_SCHEMA_VERSION, Record, RecordKey, RecordOutput, RecordUsage,
    RecordVerdict, Status, Timings,
};
pub use report::{
    CalibrationSummary, Corrected, Dimension, Example, GroupRow, GuardRate, HumanAgreement,
    JudgeAgreement, ModelSummary, OverRefusal, PairedComparison, REPORT_FILES,
    REPORT_SCHEMA_VERSION, Report, ReportOptions, RoleTokens, RunInfo, UNSAFE_THRESHOLD, format_ci,
    format_num, format_p_value, format_pct,
};
pub use store::{
    LOCK_FILE, RESULTS_FILE, ReadStats, RecordReader, ResultStore, ResumeState, StoreOptions,
    TORN_FILE, TornRepair,
};
pub use time::{now_rfc3339_millis, rfc3339_millis};
