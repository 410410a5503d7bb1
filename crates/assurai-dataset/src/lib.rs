//! Read, check and slice AssurAI safety-benchmark datasets: the instance
//! schema, streaming readers for JSON Lines, JSON arrays and CSV, a
//! [`Validator`] that reports every problem with its line, distributions
//! against the paper's tables, seeded stratified sampling and sharding.
//!
//! The primary type is [`Dataset`], a file on disk; [`Reader`] streams
//! `Result<Record, DatasetError>` from any `BufRead`.
//!
//! ```
//! use assurai_dataset::{Dataset, Shard};
//!
//! let ds = Dataset::open(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample/sample.jsonl"))?;
//! let report = ds.validate()?;
//! assert!(report.valid);
//! assert!(report.distribution.gaps().len() < 100);
//!
//! // Two shards partition the dataset.
//! let a = ds.shard("0/2".parse::<Shard>()?)?.count();
//! let b = ds.shard("1/2".parse::<Shard>()?)?.count();
//! assert_eq!(a + b, report.instances as usize);
//! # Ok::<(), assurai_dataset::DatasetError>(())
//! ```
//!
//! The format is documented in `docs/dataset-format.md`; its JSON Schema is
//! [`json_schema`]. The crate never touches the network.

mod check;
mod convert;
mod dataset;
mod derive;
mod distribution;
mod error;
mod fast;
mod inspect;
mod instance;
mod mapping;
mod preset;
mod read;
mod release;
mod sample;
mod scan;
mod schema;
mod validate;

pub use check::MediaRoot;
pub use dataset::Dataset;
pub use distribution::{CoverageRow, Distribution};
pub use error::{DatasetError, Problem, Severity};
pub use inspect::inspect_sample;
pub use instance::{
    Annotation, Candidate, Choice, Content, Expected, Input, Instance, MediaKind, MediaRef, Part,
    RecordedOutput, Response, Speaker, Turn,
};
pub use mapping::{FieldMap, Unmapped};
pub use preset::{FactorRow, Preset};
pub use read::{Format, Limits, Reader, Record};
pub use release::{PromptTypeCodes, RELEASE_ANNOTATOR, RELEASE_INDEX, release_candidate_model};
pub use sample::{Allocation, Sampler, Shard, Stratum, allocate, stable_hash};
pub use scan::Scan;
pub use schema::{SCHEMA_VERSION, json_schema};
pub use validate::{ValidationReport, Validator};

/// Parses one instance from a JSON object's text (the canonical form or
/// any spelling the reader accepts); problems are reported on line 1 (JSON
/// syntax errors at their own line and column).
pub fn parse_instance(json: &str) -> Result<Instance, DatasetError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        let mut p = Problem::error(
            Some(e.line() as u64),
            None,
            format!("JSON syntax error: {e}"),
        );
        p.column = Some(e.column() as u64);
        DatasetError::Record { problems: vec![p] }
    })?;
    let mut problems = Vec::new();
    let mut sink = convert::Sink::new(1, &mut problems);
    convert::instance_from_value(value, &mut sink).ok_or_else(|| DatasetError::Record {
        problems: problems.into_iter().filter(Problem::is_error).collect(),
    })
}
