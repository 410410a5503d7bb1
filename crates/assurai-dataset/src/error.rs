//! The crate's error type and the [`Problem`] records a validation collects.

use std::fmt;

use serde::Serialize;

/// How serious a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// The instance cannot be used as written; the dataset is invalid.
    Error,
    /// Suspicious but usable (e.g. no Hangul in a Korean dataset).
    Warning,
}

/// One problem found in a dataset: where it is, which field, and what a
/// dataset author should do about it.
///
/// Serialises as `{"line", "id", "field", "message"}` (plus `column` for JSON
/// syntax errors), the shape of `assurai validate --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line in the file where the record starts; `None` for problems
    /// about the whole file (e.g. an empty dataset).
    pub line: Option<u64>,
    /// 1-based column, for syntax errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The instance id, when it could be read.
    pub id: Option<String>,
    /// The field path, e.g. `turns[2].role` or `choices`.
    pub field: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// Error or warning.
    #[serde(skip)]
    pub severity: Severity,
}

impl Problem {
    /// An error-level problem on a line.
    pub fn error(line: Option<u64>, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            line,
            column: None,
            id: None,
            field: field.map(str::to_owned),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    /// A warning-level problem on a line.
    pub fn warning(line: Option<u64>, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(line, field, message)
        }
    }

    /// Whether this problem makes the dataset invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}")?,
            (Some(l), None) => write!(f, "line {l}")?,
            (None, _) => f.write_str("dataset")?,
        }
        if let Some(id) = &self.id {
            write!(f, " (id `{id}`)")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong in this crate, grouped by what the caller
/// can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The file could not be opened or read: check the path and permissions.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file that failed.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A record is not a valid instance: fix the input (reading continues
    /// with the next record where the format allows it).
    #[error("{}", summarize(.problems))]
    Record {
        /// Every error found in the record (at least one).
        problems: Vec<Problem>,
    },
    /// A media path is unsafe (absolute, `..`, a symlink out of the dataset's
    /// folder) or the file is missing: fix the dataset.
    #[error("media `{path}`: {message}")]
    Media {
        /// The path as written in the dataset.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The field mapping is malformed: fix the mapping.
    #[error("invalid field mapping: {0}")]
    Mapping(String),
    /// An argument is out of range or malformed (shard, sample size, format):
    /// fix the call.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

fn summarize(problems: &[Problem]) -> String {
    match problems {
        [] => "invalid record".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more problems)", rest.len()),
    }
}

impl DatasetError {
    /// The line of the record this error is about, if any.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Record { problems } => problems.first().and_then(|p| p.line),
            _ => None,
        }
    }

    /// The problems of a [`DatasetError::Record`]; empty for other variants.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Record { problems } => problems,
            _ => &[],
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
