//! The runner's one error type: what stops a run before or while it runs.
//!
//! A failure of one instance (the target errs, media cannot be prepared, a
//! judge fails) is not a `RunError`: it becomes an error *record* and the
//! run goes on. A `RunError` stops the run; records already written stay
//! valid and the run directory stays resumable.

use std::path::PathBuf;

use assurai_dataset::{DatasetError, ValidationReport};
use assurai_eval::EvalError;

/// Everything that stops a run, grouped by what the caller can do:
/// - fix the dataset: [`RunError::Dataset`], [`RunError::InvalidDataset`],
///   [`RunError::InputTooLarge`];
/// - fix the command line or configuration: [`RunError::Setup`];
/// - fix a server (or how it was started): [`RunError::Preflight`];
/// - check the run directory or the file system: [`RunError::Store`],
///   [`RunError::Io`];
/// - report a bug: [`RunError::Task`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The dataset cannot be read, or an instance cannot be sent.
    #[error("dataset: {0}")]
    Dataset(#[from] DatasetError),
    /// The dataset has errors (found before any model call); nothing ran.
    #[error(
        "{} is not a valid dataset ({} errors); nothing was run",
        path.display(),
        report.errors.len()
    )]
    InvalidDataset {
        /// The dataset file.
        path: PathBuf,
        /// Every problem found, with its line and field.
        report: Box<ValidationReport>,
    },
    /// An input media file of the dataset is larger than the runner reads.
    #[error("dataset: input media {path} is {len} bytes, more than the {limit}-byte limit")]
    InputTooLarge {
        /// The media path as written in the dataset.
        path: String,
        /// Its size in bytes.
        len: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A run cannot start: the target, a judge or an option is misconfigured.
    #[error("run setup: {what}")]
    Setup {
        /// What is misconfigured, in words a user can act on.
        what: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The result store (or a report or calibration read from it) failed.
    #[error(transparent)]
    Store(#[from] EvalError),
    /// Reading or writing a file of the run failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. `"cannot read"`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The preflight found that a server cannot serve the run (nothing listening, a rejected
    /// key, an unknown model, a context too small for the longest prompt); nothing ran.
    #[error("preflight: {what}")]
    Preflight {
        /// What is wrong and how to fix it.
        what: String,
    },
    /// A task of the run panicked or was aborted (a bug).
    #[error("a run task failed: {0}")]
    Task(String),
}

impl RunError {
    /// A setup error without an underlying source.
    pub(crate) fn setup(what: impl Into<String>) -> Self {
        Self::Setup {
            what: what.into(),
            source: None,
        }
    }

    /// A setup error caused by `source`.
    pub(crate) fn setup_from(
        what: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Setup {
            what: what.into(),
            source: Some(Box::new(source)),
        }
    }

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

/// The runner's result type.
pub type Result<T, E = RunError> = std::result::Result<T, E>;
