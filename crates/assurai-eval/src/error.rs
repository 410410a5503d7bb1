//! The crate's one error type, grouped by what the caller can do.

use std::path::PathBuf;

/// Everything that can go wrong in the result store, the report or the
/// Inspect export.
///
/// The variants are grouped by what the caller can do about them:
/// - fix the input: [`EvalError::InvalidRecord`], [`EvalError::InvalidManifest`],
///   [`EvalError::Calibration`],
///   [`EvalError::CorruptStore`], [`EvalError::InvalidInput`];
/// - choose another run directory or the same configuration:
///   [`EvalError::ConfigMismatch`], [`EvalError::Overlap`],
///   [`EvalError::MergeMismatch`];
/// - check the file system: [`EvalError::Io`];
/// - report a bug in the statistics or upgrade: [`EvalError::Stats`],
///   [`EvalError::Unsupported`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. `"cannot append to"`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a results file is not a valid record.
    #[error("{path}:{line}: {field}: {message}")]
    InvalidRecord {
        /// The results file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The field at fault (`"(line)"` when the JSON itself is broken).
        field: String,
        /// What was expected.
        message: String,
    },
    /// A record built in memory breaks the record contract (e.g. `score` set
    /// while `status` is not `scored`).
    #[error("invalid record {instance_id}/{model}/epoch {epoch}: {field}: {message}")]
    InvalidInput {
        /// The record's instance id.
        instance_id: String,
        /// The record's model.
        model: String,
        /// The record's epoch.
        epoch: u32,
        /// The field at fault.
        field: &'static str,
        /// What was expected.
        message: String,
    },
    /// A calibration directory (`assurai report --calibration`) cannot be
    /// used: no calibration pairs, or a judge other than the runs' judge.
    #[error("calibration {dir}: {message}")]
    Calibration {
        /// The calibration directory.
        dir: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `manifest.json` cannot be read or has an unsupported schema.
    #[error("{path}: {message}")]
    InvalidManifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A results file is damaged somewhere other than its last line.
    #[error("{path}: {message}")]
    CorruptStore {
        /// The results file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The run directory holds results of a different configuration.
    #[error(
        "{dir} holds results of a different run configuration (config hash {existing} in \
         manifest.json, {requested} requested; differing keys: {differing}); use a new output \
         directory or the original configuration"
    )]
    ConfigMismatch {
        /// The run directory.
        dir: PathBuf,
        /// The configuration hash stored in the manifest.
        existing: String,
        /// The configuration hash of the new run.
        requested: String,
        /// Top-level configuration keys whose values differ, comma-separated.
        differing: String,
    },
    /// Two run directories given to one report hold the same record key.
    #[error(
        "record ({instance_id}, {model}, epoch {epoch}) appears in both {first} and {second}; \
         a report merges stores only when they do not overlap"
    )]
    Overlap {
        /// Instance id.
        instance_id: String,
        /// Model.
        model: String,
        /// Epoch.
        epoch: u32,
        /// The first run directory holding it.
        first: PathBuf,
        /// The second run directory holding it.
        second: PathBuf,
    },
    /// Two run directories given to one report hold results of the same
    /// model under configurations that differ beyond the shard (and the
    /// dataset's path): they are not shards of one run.
    #[error(
        "{first} and {second} both hold results of model {model} but were run with different \
         configurations (differing keys: {differing}); a report merges the shards of one \
         configuration only"
    )]
    MergeMismatch {
        /// The model both run directories hold.
        model: String,
        /// The first run directory.
        first: PathBuf,
        /// The second run directory.
        second: PathBuf,
        /// Configuration keys whose values differ, comma-separated.
        differing: String,
    },
    /// A statistics computation failed (degenerate input the report did not
    /// anticipate).
    #[error("statistics for {what}: {message}")]
    Stats {
        /// Which table or test.
        what: String,
        /// The statistics crate's message.
        message: String,
    },
    /// The input uses a feature this version does not support (e.g. a newer
    /// record schema).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Another process has the run directory open (its `.lock` is held).
    #[error(
        "another assurai process is writing {dir}; wait for it to finish, or use another output \
         directory"
    )]
    Locked {
        /// The run directory.
        dir: PathBuf,
    },
}

impl EvalError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for `Result<T, EvalError>`.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;
